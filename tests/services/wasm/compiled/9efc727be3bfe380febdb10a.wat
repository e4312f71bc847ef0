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
  block $b1
  i32.const 121
  global.get $g
  i32.add
  global.get $g
  if (result i32)
  global.get $g
  else
  local.get $b
  end
  i32.shl
  local.set $x
  nop
  end
  nop
  block $v2 (result i32)
  i32.const 131
  global.get $g
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $a
  i32.const 192
  select
  i32.const 1
  call_indirect (type $t))
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  i32.const 27
  i32.const 1020
  i32.and
  i32.load
  else
  local.get $b
  i32.const 70
  i32.shr_u
  end
  i32.store
  i32.const 1
  memory.grow
  global.set $g
  nop
  i32.const 76
  i32.const 44
  i32.or
  i32.const 511
  i32.and
  block $v1 (result i32)
  global.get $g
  i32.const 252
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 101
  memory.copy
  nop
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.add)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  local.get $x
  i32.eqz
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  block (result i32 i32)
  local.get $a
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  select
  local.set $x
  local.get $a
  i32.eqz
  local.get $b
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 3
  call_indirect (type $t))
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  local.get $a
  i32.add
  i32.const 511
  i32.and
  i32.const 49
  local.get $x
  i32.mul
  i32.const 511
  i32.and
  i32.const 258
  memory.copy
  nop
  block $b2
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  if $i3
  block $b4
  local.get $a
  local.get $x
  local.get $x
  select
  local.set $x
  block (result i32 i32)
  local.get $b
  i32.const 26
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
  local.set $x
  end
  else
  i32.const 0
  memory.grow
  global.set $g
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.shr_u
  global.set $g
  block $b5
  i32.const 236
  local.get $x
  call $f4
  global.set $g
  local.get $b
  global.get $g
  i32.sub
  local.set $x
  i32.const -3
  local.get $x
  i32.shl
  drop
  i32.const 252
  i32.const 97
  i32.xor
  global.set $g
  end
  block $v6 (result i32)
  local.get $b
  local.get $x
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 190
  memory.fill
  end
  end
  end
  block $v7 (result i32)
  local.get $x
  local.get $x
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 248
  memory.copy
  nop
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.load)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 191
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  block $v1 (result i32)
  i32.const 177
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 172
  memory.fill
  i32.const 245
  local.get $a
  i32.and
  i32.const 511
  i32.and
  global.get $g
  global.get $g
  i32.sub
  i32.const 511
  i32.and
  i32.const 140
  memory.copy
  nop
  nop
  memory.size))
