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
  block $b1
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.add
  local.set $x
  local.get $b
  i32.const 41
  local.get $a
  select
  i32.const 511
  i32.and
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 114
  memory.copy
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  local.get $b
  i32.eqz
  local.get $x
  local.get $b
  call $f1
  call $f2
  local.set $x
  end
  i32.const 55
  local.get $b
  i32.or
  if $i2
  local.get $a
  global.get $g
  call $f1
  i32.const 1020
  i32.and
  block (result i32 i32)
  global.get $g
  global.get $g
  call $f4
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  global.get $g
  i32.eqz
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  end
  block $b3
  i32.const 34
  local.get $x
  i32.or
  i32.const 511
  i32.and
  block $v4 (result i32)
  i32.const 174
  i32.const 249
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 233
  memory.copy
  i32.const 3
  global.get $g
  local.get $a
  i32.and
  i32.const 3
  i32.and
  call $rec
  global.set $g
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  global.get $g
  local.get $b
  i32.and
  i32.const 33
  memory.fill
  end
  nop
  local.get $a
  global.get $g
  i32.const 200
  select
  global.get $g
  i32.eqz
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  select)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $a
  local.get $b
  i32.xor
  i32.const 1023
  i32.and
  block (result i32 i32)
  local.get $a
  i32.const 243
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 46
  memory.fill
  nop
  nop
  local.get $x
  local.get $x
  i32.const 59
  select
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.rotl
  local.set $a
  local.get $a
  global.get $g
  local.get $b
  select
  global.get $g
  local.get $a
  i32.or
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  select)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  nop
  end
  i32.const 3
  local.get $b
  local.get $x
  i32.or
  i32.const 3
  i32.and
  call $rec
  local.set $a
  global.get $g
  global.get $g
  i32.and
  local.get $a
  local.get $x
  i32.shr_u
  i32.mul)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 242
  global.get $g
  i32.or
  if $i1
  block $b2
  local.get $b
  i32.const 267
  i32.rotl
  i32.const 3
  i32.and
  br_table $i1 $b2 $b2
  end
  local.get $b
  i32.const 97
  i32.const 4
  call_indirect (type $t)
  br_if $i1
  nop
  else
  local.get $b
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  local.get $a
  global.get $g
  i32.xor
  i32.const 4
  call_indirect (type $t)
  local.set $a
  end
  i32.const 3
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  local.set $x
  global.get $g
  global.get $g
  i32.const 4
  call_indirect (type $t)
  block $v3 (result i32)
  local.get $b
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 72
  local.get $b
  i32.shr_u
  select)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  memory.size
  block $v2 (result i32)
  i32.const 47
  global.get $g
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.xor
  local.set $x
  i32.const 144
  i32.const 118
  i32.or
  i32.eqz
  local.set $a
  end
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  block $v3 (result i32)
  global.get $g
  i32.const 293
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 215
  memory.copy
  block $b4
  i32.const 3
  i32.const 88
  if (result i32)
  local.get $b
  else
  local.get $b
  end
  i32.const 3
  i32.and
  call $rec
  local.set $a
  memory.size
  i32.const 1020
  i32.and
  i32.const 260
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  memory.size
  i32.sub
  i32.store
  end
  local.get $a
  i32.const 45
  i32.shr_u
  memory.size
  i32.add
  local.set $x
  i32.const 253
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if (result i32)
  block $v5 (result i32)
  global.get $g
  i32.const 255
  br_if $v5
  i32.const 7
  i32.add
  end
  else
  memory.size
  end))
