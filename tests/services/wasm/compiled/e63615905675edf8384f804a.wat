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
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  local.get $a
  i32.const 151
  i32.shl
  i32.sub
  global.set $g
  i32.const 95
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.const 3
  i32.const 87
  i32.const 3
  i32.and
  call $rec
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  call_indirect (type $t)
  i32.store
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 201
  i32.const 30
  i32.mul
  block $v1 (result i32)
  i32.const 15
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  select
  i32.store
  nop
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 247
  global.get $g
  local.get $a
  select
  i32.const 511
  i32.and
  i32.const 253
  memory.copy
  global.get $g
  global.get $g
  i32.add
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $a
  local.get $b
  i32.mul
  i32.const 511
  i32.and
  i32.const 69
  memory.copy
  nop
  block $b1
  local.get $x
  i32.eqz
  if $i2
  i32.const 1
  memory.grow
  global.set $g
  global.get $g
  if (result i32)
  global.get $g
  else
  i32.const 176
  end
  i32.const 3
  i32.and
  br_table $i2 $i2
  i32.const 1
  drop
  end
  block $v3 (result i32)
  i32.const 112
  i32.const 1020
  i32.and
  i32.load
  i32.const 85
  i32.const 127
  i32.sub
  br_if $v3
  i32.const 7
  i32.add
  end
  global.set $g
  local.get $b
  local.get $x
  i32.mul
  br_if $b1
  end
  nop
  i32.const 204
  i32.const 74
  i32.or
  local.get $a
  local.get $a
  i32.xor
  i32.rotl)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  block $v1 (result i32)
  i32.const 80
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.sub
  global.set $g
  block $v2 (result i32)
  local.get $a
  i32.const 231
  i32.and
  local.get $x
  local.get $a
  i32.const 4
  call_indirect (type $t)
  br_if $v2
  i32.const 7
  i32.add
  end
  local.set $x
  nop
  i32.const 3
  i32.const 15
  local.get $a
  local.get $a
  select
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  local.get $x
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.sub
  local.set $x
  block (result i32 i32)
  local.get $b
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  local.get $x
  call $f4
  i32.and)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  local.get $a
  i32.const 282
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  call $rec
  local.set $x
  block $v1 (result i32)
  local.get $a
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  local.get $b
  i32.const 197
  i32.and
  block $v2 (result i32)
  global.get $g
  i32.const 182
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.sub
  i32.store
  i32.const 152
  i32.const 271
  i32.xor
  i32.const 33
  local.get $a
  i32.shr_u
  i32.sub))
