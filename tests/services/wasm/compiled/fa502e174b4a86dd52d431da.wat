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
  i32.const 127
  global.get $g
  i32.and
  i32.const 511
  i32.and
  i32.const 178
  if (result i32)
  i32.const 106
  else
  local.get $x
  end
  i32.const 511
  i32.and
  i32.const 71
  memory.copy
  i32.const 123
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  block $v1 (result i32)
  local.get $a
  local.get $x
  i32.const 2
  call_indirect (type $t)
  local.get $a
  if (result i32)
  global.get $g
  else
  i32.const 156
  end
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.store
  local.get $b
  local.get $a
  i32.sub
  if $i2
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  local.get $x
  i32.xor
  block $v3 (result i32)
  local.get $a
  i32.const 92
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 1
  call_indirect (type $t)
  local.set $x
  local.get $a
  i32.const 158
  i32.const 4
  call_indirect (type $t)
  br_if $i2
  nop
  else
  local.get $b
  i32.const 275
  call $f3
  i32.const 1020
  i32.and
  i32.const 41
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  i32.eqz
  i32.store
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i2
  block
  nop
  end
  nop
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 105
  i32.const 209
  call $f2
  i32.const 70
  memory.fill
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  block (result i32 i32)
  local.get $a
  i32.const 161
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 244
  local.get $b
  i32.xor
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block $v1 (result i32)
  local.get $x
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  local.get $a
  i32.const 288
  i32.const 2
  call_indirect (type $t)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  select
  i32.store
  block (result i32 i32)
  i32.const 91
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $x
  local.get $a
  local.get $b
  select
  i32.mul)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local i64)
  nop
  i32.const 45
  global.get $g
  i32.or
  if $i1
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  local.get $x
  i32.shl
  call $f4
  local.set $x
  else
  local.get $b
  local.get $x
  i32.shr_u
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 1
  local.set $c2
  block $w4
  loop $l3
  local.get $c2
  i32.const 0
  i32.le_s
  br_if $w4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.const 204
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.rotl
  i32.store
  block $v5 (result i32)
  local.get $x
  i32.const 18
  br_if $v5
  i32.const 7
  i32.add
  end
  if (result i32)
  local.get $b
  i32.eqz
  else
  i32.const 175
  local.get $x
  i32.const 4
  call_indirect (type $t)
  end
  global.set $g
  block $b6
  local.get $a
  i32.const -5
  local.get $x
  select
  local.set $x
  global.get $g
  i32.const 188
  i32.shl
  local.set $x
  global.get $g
  local.get $b
  local.get $a
  select
  global.set $g
  end
  br $l3
  end
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  i32.const 2
  local.set $c3
  loop $l7
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $x
  if (result i32)
  local.get $a
  else
  local.get $b
  end
  local.get $a
  global.get $g
  call $f3
  i32.or
  local.set $x
  local.get $x
  local.get $a
  i32.shr_u
  if $i8
  i32.const 3
  block (result i32 i32)
  i32.const 265
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
  local.set $x
  end
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  local.get $b
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 29
  memory.fill
  block $b9
  local.get $x
  local.get $x
  i32.or
  i32.const 16
  i32.const 1020
  i32.and
  i32.load
  i32.shr_u
  global.set $g
  i32.const 1
  memory.grow
  global.set $g
  nop
  end
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l7
  end
  i32.const 1
  local.set $c4
  block $w11
  loop $l10
  local.get $c4
  i32.const 0
  i32.le_s
  br_if $w11
  local.get $c4
  i32.const 1
  i32.sub
  local.set $c4
  local.get $x
  local.get $x
  i32.sub
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.mul
  global.set $g
  global.get $g
  i32.eqz
  i32.const 3
  i32.and
  br_table $w11 $i1
  i32.const 1
  drop
  local.get $x
  i32.eqz
  i32.const 3
  i32.and
  br_table $i1
  br $l10
  end
  end
  end
  i32.const 3
  global.get $g
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz
  global.set $g
  local.get $b
  global.get $g
  i32.const 4
  call_indirect (type $t)
  global.get $g
  i32.const 279
  i32.and
  i32.shr_u
  local.set $a
  i32.const 252
  i32.const 210
  i32.and
  if $i1
  i32.const 128
  global.get $g
  i32.xor
  local.get $a
  i32.const 9
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  global.get $g
  i32.const 211
  i32.shr_u
  if $i2
  nop
  else
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  i32.const 180
  i32.mul
  i32.const 4
  call_indirect (type $t)
  local.set $x
  nop
  end
  br $i1
  unreachable
  local.get $x
  i32.const 13
  i32.const 1
  i32.or
  i32.div_u
  br_if $i1
  else
  block $b3
  local.get $b
  local.get $a
  call $f4
  i32.const 3
  i32.and
  br_table $b3 $i1 $i1
  i32.const 1
  memory.grow
  global.set $g
  i32.const 1
  local.set $c1
  loop $l4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  i32.const 260
  global.get $g
  i32.xor
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 10
  memory.copy
  block $v5 (result i32)
  i32.const 149
  local.get $x
  i32.or
  local.get $x
  global.get $g
  i32.shl
  br_if $v5
  i32.const 7
  i32.add
  end
  local.set $a
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l4
  end
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
  local.get $b
  i32.shr_u
  i32.sub
  global.set $g
  end
  block $b6
  global.get $g
  local.get $a
  i32.sub
  i32.const 511
  i32.and
  local.get $a
  if (result i32)
  i32.const 11
  else
  local.get $x
  end
  i32.const 511
  i32.and
  i32.const 53
  memory.copy
  local.get $a
  i32.const 234
  i32.const 4
  call_indirect (type $t)
  return
  block
  nop
  end
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block $v7 (result i32)
  i32.const 3
  i32.const 57
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.store
  end
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.const 1023
  i32.and
  local.get $x
  i32.const 8
  i32.xor
  i32.const 58
  memory.fill
  end
  global.get $g
  i32.const 1020
  i32.and
  global.get $g
  i32.store
  local.get $a
  global.set $g
  local.get $a)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  i32.const 1
  memory.grow
  global.set $g
  end
  local.get $x
  local.get $a
  i32.or
  i32.const 511
  i32.and
  local.get $x
  local.get $x
  i32.or
  i32.const 511
  i32.and
  i32.const 91
  memory.copy
  i32.const 3
  local.get $a
  local.get $b
  i32.xor
  i32.const 3
  i32.and
  call $rec
  local.set $x
  local.get $b
  local.get $x
  i32.shl
  if $i2
  i32.const 7
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz
  local.set $x
  else
  nop
  local.get $x
  global.get $g
  i32.and
  br_if $i2
  i32.const 268
  local.get $b
  i32.shl
  i32.const 3
  i32.and
  br_table $i2 $i2 $i2
  unreachable
  memory.size
  br_if $i2
  end
  i32.const 3
  global.get $g
  local.get $a
  i32.mul
  i32.const 3
  i32.and
  call $rec
  local.set $a
  memory.size
  i32.eqz))
