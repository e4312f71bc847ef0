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
  i32.const 69
  local.get $x
  i32.or
  global.get $g
  global.get $g
  i32.const 1
  call_indirect (type $t)
  i32.rotl)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  global.get $g
  i32.shr_u
  if $i1
  i32.const 3
  local.get $a
  global.get $g
  global.get $g
  select
  i32.const 3
  i32.and
  call $rec
  global.set $g
  local.get $a
  i32.const 18
  i32.const 2
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.const 94
  i32.const 3
  i32.and
  call $rec
  i32.rotl
  i32.store
  block (result i32 i32)
  i32.const 120
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  local.get $a
  i32.const 40
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  end
  nop
  i32.const 102
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  local.get $x
  i32.rotl
  i32.and)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $a
  call $f4
  i32.const 1023
  i32.and
  i32.const 211
  local.get $a
  i32.shr_u
  i32.const 62
  memory.fill
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  global.get $g
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  i32.const 511
  i32.and
  local.get $a
  if (result i32)
  i32.const 6
  else
  local.get $x
  end
  i32.const 511
  i32.and
  i32.const 184
  memory.copy
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  if $i1
  i32.const 1
  memory.grow
  global.set $g
  local.get $x
  global.get $g
  local.get $b
  select
  br_if $i1
  global.get $g
  if (result i32)
  local.get $x
  else
  i32.const 78
  end
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  local.get $x
  select
  i32.const 143
  memory.fill
  else
  local.get $a
  local.get $x
  i32.shr_u
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.xor
  local.set $x
  global.get $g
  global.get $g
  local.get $a
  select
  br_if $i1
  nop
  block $b2
  br $i1
  block $v3 (result i32)
  local.get $a
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  block $v4 (result i32)
  i32.const 10
  i32.const 60
  i32.sub
  global.get $g
  local.get $a
  i32.mul
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.store
  end
  end
  i32.const 223
  global.get $g
  i32.const 4
  call_indirect (type $t)
  if (result i32)
  block $v5 (result i32)
  local.get $a
  local.get $x
  br_if $v5
  i32.const 7
  i32.add
  end
  else
  local.get $a
  i32.eqz
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $b
  end
  i32.eqz)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $x
  local.get $a
  i32.xor
  block $v2 (result i32)
  local.get $x
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  br_if $v1
  i32.const 7
  i32.add
  end
  global.set $g
  local.get $b
  global.get $g
  local.get $b
  select
  i32.const 1020
  i32.and
  local.get $a
  i32.const 90
  i32.const 1
  i32.or
  i32.div_u
  block $v3 (result i32)
  local.get $b
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.rotl
  i32.store
  memory.size
  i32.const 1023
  i32.and
  i32.const 108
  global.get $g
  i32.mul
  i32.const 193
  memory.fill
  i32.const 282
  i32.const -3
  i32.shl
  global.get $g
  global.get $g
  i32.add
  i32.const 1
  i32.or
  i32.div_u))
