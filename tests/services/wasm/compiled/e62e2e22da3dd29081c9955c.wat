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
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  if $i1
  i32.const 16
  local.get $b
  i32.const 4
  call_indirect (type $t)
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.add
  global.set $g
  i32.const 105
  global.get $g
  i32.or
  br_if $i1
  i32.const 145
  local.get $a
  i32.rotl
  br_if $i1
  block (result i32 i32)
  i32.const 232
  local.get $x
  i32.or
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  else
  global.get $g
  i32.const 159
  i32.shl
  if $i2
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $a
  i32.const 59
  i32.rotl
  i32.const 511
  i32.and
  i32.const 22
  memory.copy
  i32.const 184
  i32.const 41
  i32.or
  local.get $a
  global.get $g
  i32.sub
  local.get $a
  local.get $a
  i32.mul
  select
  global.set $g
  i32.const 172
  i32.const 235
  i32.const 4
  call_indirect (type $t)
  br_if $i2
  block $v3 (result i32)
  local.get $a
  i32.const 72
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  local.get $a
  local.get $a
  i32.mul
  i32.const 156
  memory.fill
  else
  global.get $g
  local.get $a
  i32.and
  i32.const 511
  i32.and
  local.get $a
  local.get $a
  i32.shl
  i32.const 511
  i32.and
  i32.const 279
  memory.copy
  end
  global.get $g
  local.get $x
  i32.xor
  i32.const 300
  global.get $g
  i32.or
  i32.sub
  global.set $g
  block $v4 (result i32)
  local.get $a
  global.get $g
  i32.xor
  local.get $b
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  br_if $v4
  i32.const 7
  i32.add
  end
  local.set $a
  end
  local.get $b
  local.get $b
  i32.rotl
  i32.const 1020
  i32.and
  block $v5 (result i32)
  i32.const 14
  local.get $b
  i32.mul
  global.get $g
  i32.const 243
  call $f1
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.store
  local.get $x
  local.get $b
  i32.const 25
  select
  i32.const 1020
  i32.and
  global.get $g
  i32.eqz
  global.get $g
  global.get $g
  i32.or
  i32.and
  i32.store
  block (result i32 i32)
  i32.const 144
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  call_indirect (type $t))
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 90
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  nop
  i32.const 9
  local.get $b
  local.get $x
  select
  i32.const 1
  local.get $a
  i32.add
  call $f4)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  global.get $g
  local.get $b
  i32.shl
  local.get $x
  i32.eqz
  i32.const 4
  call_indirect (type $t)
  local.set $x
  nop
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  local.get $a
  i32.eqz
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  local.get $a
  i32.const 296
  i32.shr_u
  br_if $b1
  end
  local.get $x
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  local.get $x
  i32.const 34
  i32.xor
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.sub
  i32.store
  global.get $g
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.eqz)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 211
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.const 511
  i32.and
  block $v1 (result i32)
  i32.const 62
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 249
  memory.copy
  local.get $b
  global.get $g
  call $f4
  if (result i32)
  local.get $x
  local.get $a
  call $f4
  else
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  end
  local.set $a
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 295
  global.get $g
  call $f4
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  block $v3 (result i32)
  local.get $b
  i32.const 261
  br_if $v3
  i32.const 7
  i32.add
  end
  local.get $b
  if (result i32)
  i32.const 68
  else
  local.get $a
  end
  i32.const 4
  call_indirect (type $t)
  local.set $a
  local.get $x
  i32.eqz
  i32.const 1023
  i32.and
  local.get $x
  i32.const 247
  i32.const 198
  select
  i32.const 52
  memory.fill
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  local.get $b
  i32.eqz
  if (result i32)
  local.get $x
  local.get $a
  i32.or
  else
  local.get $b
  local.get $x
  call $f4
  end
  local.set $a
  block (result i32 i32)
  local.get $x
  global.get $g
  global.get $g
  select
  local.get $x
  local.get $x
  i32.const 4
  call_indirect (type $t)
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  nop
  local.get $x
  local.get $b
  local.get $b
  select
  local.get $a
  if (result i32)
  i32.const 38
  else
  local.get $b
  end
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if (result i32)
  memory.size
  else
  local.get $b
  i32.eqz
  end))
