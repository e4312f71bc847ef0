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
  local.get $a
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  nop
  global.get $g
  i32.const 19
  i32.add
  i32.const 1020
  i32.and
  i32.load)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $a
  i32.const 293
  i32.add
  i32.const 511
  i32.and
  block $v1 (result i32)
  i32.const 162
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 94
  memory.copy
  local.get $b
  i32.eqz
  i32.const 1023
  i32.and
  local.get $b
  i32.eqz
  i32.const 110
  memory.fill
  local.get $x
  local.get $x
  call $f2
  local.get $b
  i32.const 152
  call $f3
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 299
  i32.const 1020
  i32.and
  i32.load
  i32.const 216
  local.get $a
  call $f4
  select)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  i32.const 95
  global.get $g
  select
  i32.const 1020
  i32.and
  local.get $b
  local.get $a
  i32.rotl
  local.get $b
  local.get $x
  global.get $g
  select
  i32.add
  i32.store
  local.get $a
  local.get $b
  call $f3
  local.get $b
  global.get $g
  local.get $a
  select
  i32.shr_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  block $v1 (result i32)
  local.get $a
  local.get $a
  i32.add
  local.get $x
  local.get $x
  i32.sub
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $b
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  local.get $a
  i32.const 105
  i32.and
  i32.const 511
  i32.and
  i32.const 249
  memory.copy
  local.get $a
  global.get $g
  i32.xor
  local.get $a
  local.get $b
  local.get $b
  select
  i32.shl
  global.set $g
  global.get $g
  global.get $g
  i32.shr_u
  local.get $b
  i32.eqz
  i32.sub
  local.set $a
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  i32.const 76
  i32.and
  i32.add))
