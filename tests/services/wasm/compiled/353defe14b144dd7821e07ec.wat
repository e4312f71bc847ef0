(module
  (type $t (func (param i32 i32) (result i32)))
  (memory 1 2)
  (global $g (mut i32) (i32.const 1))
  (table 5 funcref)
  (elem (i32.const 0) $f0 $f1 $f2 $f3 $f4)
  (func $rec (export "rec") (param $d i32) (param $v i32) (result i32)
    local.get $d
    i32.eqz
    if (result i32)
      local.get $v
    else
      local.get $d i32.const 1 i32.sub local.get $v i32.const 3 i32.mul i32.const 1 i32.add call $rec
      local.get $d i32.const 1 i32.sub local.get $v call $rec
      i32.add
    end)
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block $v1 (result i32)
  global.get $g
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.const 200
  local.get $a
  i32.xor
  local.get $b
  local.get $x
  call $f3
  i32.xor
  i32.store
  i32.const 3
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  local.set $a
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 1
  local.set $c1
  block $w2
  loop $l1
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 154
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  br_table $w2
  br $l1
  end
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.const 511
  i32.and
  i32.const 23
  memory.copy
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  local.get $x
  i32.mul
  call $f4)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $x
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 298
  memory.copy
  nop
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.sub
  i32.store
  nop
  local.get $x
  local.get $x
  i32.shl
  i32.const 1020
  i32.and
  i32.load)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $b
  local.get $x
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  local.get $a
  local.get $a
  i32.mul
  i32.const 511
  i32.and
  i32.const 71
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 20
  memory.copy
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 57
  global.get $g
  i32.xor
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  local.get $a
  local.get $x
  global.get $g
  select
  if $i1
  i32.const 1
  memory.grow
  global.set $g
  nop
  else
  i32.const 0
  memory.grow
  global.set $g
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $a
  local.get $x
  i32.xor
  i32.const 511
  i32.and
  i32.const 269
  memory.copy
  global.get $g
  local.get $b
  i32.and
  if $i2
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 291
  memory.copy
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  i32.const 102
  local.get $x
  global.get $g
  select
  i32.const 164
  memory.fill
  else
  memory.size
  if $i3
  br $i2
  i32.const 1
  drop
  block (result i32 i32)
  local.get $a
  i32.const 197
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $i3
  block $b4
  block (result i32 i32)
  local.get $b
  i32.const 232
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  block $v5 (result i32)
  global.get $g
  local.get $a
  br_if $v5
  i32.const 7
  i32.add
  end
  local.set $x
  i32.const 1
  local.get $a
  i32.shl
  global.set $g
  end
  end
  i32.const 164
  i32.const 236
  i32.shr_u
  local.get $a
  local.get $a
  i32.shr_u
  i32.rotl
  local.set $a
  block $b6
  memory.size
  return
  block
  nop
  end
  end
  nop
  end
  global.get $g
  local.get $a
  i32.sub
  i32.const 1023
  i32.and
  i32.const 182
  i32.const 1020
  i32.and
  i32.load
  i32.const 111
  memory.fill
  end
  memory.size
  i32.const 1020
  i32.and
  memory.size
  i32.store
  i32.const 2
  local.set $c1
  loop $l7
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b8
  nop
  br $b8
  i32.const 1
  drop
  i32.const 1
  local.set $c2
  loop $l9
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 242
  if (result i32)
  i32.const 33
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  i32.const 3
  local.get $b
  i32.eqz
  i32.const 3
  i32.and
  call $rec
  i32.store
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l9
  end
  end
  i32.const 3
  local.set $c3
  block $w11
  loop $l10
  local.get $c3
  i32.const 0
  i32.le_s
  br_if $w11
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  br $w11
  block
  nop
  end
  br $l10
  end
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l7
  end
  i32.const 1
  memory.grow
  global.set $g
  i32.const 123
  local.get $x
  i32.mul
  i32.const 1023
  i32.and
  i32.const 37
  i32.const 68
  local.get $x
  select
  i32.const 95
  memory.fill
  i32.const 174
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $x
  i32.or
  i32.or))
