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
  nop
  block $v1 (result i32)
  local.get $a
  i32.eqz
  block (result i32 i32)
  local.get $x
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $x
  i32.eqz
  i32.const 1020
  i32.and
  i32.const 179
  local.get $b
  i32.const 3
  call_indirect (type $t)
  local.get $b
  local.get $a
  call $f4
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  global.get $g
  i32.eqz
  global.get $g
  local.get $a
  i32.const 291
  select
  i32.or
  i32.store
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  local.get $a
  i32.xor
  if $i2
  i32.const 0
  memory.grow
  global.set $g
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i2 $i2 $i2
  else
  block (result i32 i32)
  i32.const 264
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  i32.const 81
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  global.get $g
  i32.eqz
  else
  i32.const 208
  local.get $x
  global.get $g
  select
  end
  i32.store
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $i2
  block $b3
  global.get $g
  if (result i32)
  local.get $a
  else
  i32.const 172
  end
  br_if $b3
  nop
  local.get $b
  i32.eqz
  br_if $i2
  block (result i32 i32)
  local.get $a
  local.get $a
  call $f3
  local.get $x
  local.get $a
  i32.rotl
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  end
  nop
  end
  local.get $b
  local.get $x
  i32.or
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  block $v4 (result i32)
  i32.const 76
  local.get $x
  br_if $v4
  i32.const 7
  i32.add
  end
  local.get $b
  if (result i32)
  i32.const 193
  else
  local.get $x
  end
  call $f4
  local.set $a
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  i32.eqz
  i32.xor
  local.set $x
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block $b5
  i32.const 59
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  br_if $b5
  nop
  end
  local.get $b
  local.get $b
  i32.mul
  i32.const 511
  i32.and
  local.get $b
  i32.const 175
  i32.rotl
  i32.const 511
  i32.and
  i32.const 23
  memory.copy
  local.get $x
  local.get $x
  local.get $x
  select
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.const 3
  local.get $b
  local.get $a
  i32.and
  i32.const 3
  i32.and
  call $rec
  i32.store
  local.get $b
  global.get $g
  global.get $g
  select
  block $v1 (result i32)
  local.get $a
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.and
  local.set $x
  block (result i32 i32)
  i32.const 298
  i32.const -5
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  global.get $g
  global.get $g
  i32.and
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  nop
  local.get $b
  global.get $g
  i32.xor
  if $i1
  block (result i32 i32)
  local.get $x
  global.get $g
  i32.shl
  local.get $b
  i32.eqz
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $x
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  local.get $a
  local.get $b
  local.get $x
  select
  i32.const 19
  memory.fill
  local.get $a
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  br_if $i1
  i32.const 0
  memory.grow
  global.set $g
  end
  global.get $g
  local.get $x
  i32.or
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $b
  end
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  select)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  global.get $g
  i32.or
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.add
  local.set $x
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.const 201
  i32.const 3
  i32.and
  call $rec
  i32.shr_u
  global.set $g
  local.get $x
  i32.const 166
  i32.shl
  return
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  local.set $a
  memory.size
  memory.size
  i32.xor))
