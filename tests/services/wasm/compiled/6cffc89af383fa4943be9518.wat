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
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  nop
  nop
  local.get $b
  i32.const 239
  i32.rotl
  if $i1
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  local.set $a
  else
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $v3 (result i32)
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  block $v4 (result i32)
  global.get $g
  local.get $a
  br_if $v4
  i32.const 7
  i32.add
  end
  br_if $v3
  i32.const 7
  i32.add
  end
  global.set $g
  nop
  i32.const 167
  i32.const 1020
  i32.and
  i32.load
  br_if $i1
  local.get $x
  i32.const 14
  i32.sub
  br_if $i1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  i32.const 2
  local.set $c2
  loop $l5
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.sub
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  local.get $b
  local.get $x
  i32.rotl
  return
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  i32.const 245
  local.get $x
  i32.or
  br_if $i1
  local.get $x
  i32.const 125
  i32.const 1
  i32.or
  i32.div_u
  block $v6 (result i32)
  local.get $x
  global.get $g
  br_if $v6
  i32.const 7
  i32.add
  end
  local.get $a
  i32.eqz
  select
  global.set $g
  end
  local.get $a
  local.get $b
  i32.and
  i32.const 1020
  i32.and
  block $v7 (result i32)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $b
  call $f4
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.store
  nop
  global.get $g
  local.get $x
  i32.shl
  i32.const 1020
  i32.and
  i32.load)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $x
  local.get $b
  i32.shr_u
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.xor
  global.set $g
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  block (result i32 i32)
  local.get $b
  i32.const 154
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $x
  i32.const 118
  select
  if $i1
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  br_table $i1 $i1 $i1
  local.get $x
  local.get $b
  global.get $g
  select
  local.get $b
  i32.const 79
  i32.add
  i32.mul
  local.set $a
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  local.get $b
  i32.eqz
  i32.const 280
  global.get $g
  i32.or
  i32.or
  global.set $g
  end
  i32.const 120
  local.get $b
  i32.sub
  if $i2
  local.get $a
  if (result i32)
  i32.const 120
  else
  i32.const 32
  end
  i32.const 1023
  i32.and
  local.get $a
  i32.const 245
  i32.const 3
  call_indirect (type $t)
  i32.const 23
  memory.fill
  i32.const 0
  memory.grow
  global.set $g
  block $b3
  nop
  br $b3
  i32.const 1
  drop
  nop
  end
  else
  local.get $x
  local.get $x
  call $f3
  i32.const 3
  i32.and
  br_table $i2 $i2
  unreachable
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  i32.const 1023
  i32.and
  local.get $a
  global.get $g
  call $f4
  i32.const 61
  memory.fill
  local.get $b
  i32.const 147
  i32.shl
  br_if $i2
  local.get $a
  local.get $a
  call $f3
  br_if $i2
  end
  block $v4 (result i32)
  i32.const 7
  global.get $g
  i32.or
  block $v5 (result i32)
  global.get $g
  i32.const 38
  br_if $v5
  i32.const 7
  i32.add
  end
  br_if $v4
  i32.const 7
  i32.add
  end
  local.set $x
  local.get $b
  local.get $b
  i32.add
  return
  loop
  br 0
  end
  block $v6 (result i32)
  local.get $a
  local.get $b
  br_if $v6
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  global.get $g
  i32.eqz
  local.get $b
  global.get $g
  call $f4
  i32.const 1
  i32.or
  i32.div_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 31
  memory.fill
  block $b1
  global.get $g
  local.get $x
  global.get $g
  select
  if $i2
  block $v3 (result i32)
  local.get $x
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  br_table $i2 $i2
  local.get $a
  i32.const 261
  i32.add
  if (result i32)
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  else
  global.get $g
  i32.eqz
  end
  local.set $x
  else
  i32.const 3
  i32.const 248
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  block $v4 (result i32)
  global.get $g
  global.get $g
  local.get $x
  select
  local.get $x
  i32.const 1
  call $f4
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.store
  i32.const 0
  memory.grow
  global.set $g
  global.get $g
  local.get $b
  i32.rotl
  i32.const 511
  i32.and
  local.get $a
  i32.const 251
  local.get $b
  select
  i32.const 511
  i32.and
  i32.const 65
  memory.copy
  block $b5
  local.get $b
  local.get $x
  local.get $x
  select
  if $i6
  global.get $g
  local.get $b
  i32.const 4
  call_indirect (type $t)
  local.set $x
  end
  i32.const 1
  memory.grow
  global.set $g
  i32.const 221
  local.get $a
  local.get $x
  select
  if (result i32)
  block $v7 (result i32)
  i32.const 266
  local.get $a
  br_if $v7
  i32.const 7
  i32.add
  end
  else
  local.get $x
  global.get $g
  i32.rotl
  end
  global.set $g
  nop
  end
  end
  i32.const 13
  i32.const 11
  i32.const 4
  call_indirect (type $t)
  br_if $b1
  nop
  local.get $b
  local.get $x
  i32.shr_u
  if (result i32)
  global.get $g
  i32.const 212
  call $f4
  else
  local.get $b
  local.get $a
  call $f4
  end
  local.set $a
  end
  block $v10 (result i32)
  local.get $x
  local.get $b
  br_if $v10
  i32.const 7
  i32.add
  end
  if $i8
  i32.const 40
  i32.const 129
  call $f4
  i32.const 1023
  i32.and
  block $v9 (result i32)
  i32.const 140
  local.get $x
  br_if $v9
  i32.const 7
  i32.add
  end
  i32.const 62
  memory.fill
  end
  global.get $g
  local.get $b
  i32.add
  i32.const 1023
  i32.and
  block $v11 (result i32)
  global.get $g
  local.get $a
  br_if $v11
  i32.const 7
  i32.add
  end
  i32.const 113
  memory.fill
  block $b12
  nop
  end
  local.get $b
  local.get $x
  i32.shl
  i32.const 222
  i32.const -4
  call $f4
  local.get $x
  global.get $g
  global.get $g
  select
  select)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  if (result i32)
  local.get $a
  else
  i32.const 280
  end
  if $i1
  br $i1
  i32.const 1
  drop
  br $i1
  end
  nop
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.const 261
  i32.const 3
  i32.and
  call $rec
  i32.rotl
  local.set $x
  block $v5 (result i32)
  local.get $a
  local.get $x
  br_if $v5
  i32.const 7
  i32.add
  end
  if $i2
  local.get $b
  local.get $a
  i32.mul
  block $v3 (result i32)
  i32.const 90
  local.get $x
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.add
  local.set $a
  block $v4 (result i32)
  local.get $a
  local.get $b
  br_if $v4
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $a
  i32.add
  i32.or
  global.set $g
  global.get $g
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 3
  i32.and
  br_table $i2 $i2
  loop
  br 0
  end
  end
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.mul))
