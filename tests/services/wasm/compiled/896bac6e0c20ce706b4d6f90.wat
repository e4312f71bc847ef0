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
  block $v1 (result i32)
  local.get $x
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  local.get $b
  i32.const 253
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 120
  memory.copy
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  local.get $a
  global.get $g
  i32.const 2
  call_indirect (type $t)
  i32.shr_u
  local.set $x
  nop
  block $v2 (result i32)
  local.get $x
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  block $v3 (result i32)
  local.get $a
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  call $f4)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $b
  if (result i32)
  global.get $g
  else
  local.get $a
  end
  i32.const 1023
  i32.and
  i32.const 101
  local.get $a
  i32.const 2
  call_indirect (type $t)
  i32.const 143
  memory.fill
  nop
  local.get $b
  global.get $g
  i32.and
  i32.const 226
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  call $f3)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.eqz
  i32.const 1023
  i32.and
  local.get $a
  local.get $a
  i32.rotl
  i32.const 153
  memory.fill
  nop
  nop
  local.get $x
  local.get $x
  i32.and
  i32.const 1020
  i32.and
  local.get $a
  global.get $g
  i32.or
  i32.const 13
  global.get $g
  i32.mul
  i32.add
  i32.store
  nop
  block (result i32 i32)
  local.get $b
  i32.const 78
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  local.get $a
  i32.and
  local.get $x
  global.get $g
  i32.xor
  select)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  global.get $g
  i32.add
  i32.const 1023
  i32.and
  i32.const 66
  i32.eqz
  i32.const 186
  memory.fill
  nop
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.and
  local.set $x
  global.get $g
  local.get $a
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  i32.const 1023
  i32.and
  memory.size
  i32.const 35
  memory.fill
  block $b1
  local.get $b
  global.get $g
  local.get $a
  select
  i32.const 1020
  i32.and
  i32.const 3
  local.get $b
  i32.const 150
  i32.or
  i32.const 3
  i32.and
  call $rec
  i32.store
  i32.const 107
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  i32.const 1023
  i32.and
  local.get $a
  local.get $a
  i32.add
  i32.const 99
  memory.fill
  end
  i32.const 0
  memory.grow
  global.set $g
  memory.size
  i32.const 1023
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 64
  memory.fill
  block $v2 (result i32)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  local.get $x
  i32.rotl
  br_if $v2
  i32.const 7
  i32.add
  end))
