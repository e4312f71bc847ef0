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
  nop
  local.get $a
  local.get $x
  i32.xor
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 171
  memory.copy
  block (result i32 i32)
  local.get $a
  i32.const 107
  i32.and
  i32.const 73
  global.get $g
  i32.shr_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  global.get $g
  i32.const 211
  i32.const 2
  call_indirect (type $t)
  return
  block
  nop
  end
  i32.const -2
  local.get $b
  i32.shr_u
  i32.eqz
  local.set $x
  global.get $g
  i32.eqz
  i32.eqz)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $a
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $a
  i32.const 227
  i32.sub
  i32.shr_u
  global.set $g
  block $v2 (result i32)
  global.get $g
  local.get $a
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 199
  global.get $g
  call $f3
  i32.rotl
  global.set $g
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  local.get $a
  i32.add
  i32.shl
  local.set $x
  nop
  nop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  local.get $x
  call $f3
  i32.shl)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local i64)
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  block $v1 (result i32)
  global.get $g
  i32.const 125
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $b
  global.get $g
  local.get $x
  select
  select
  local.set $x
  i32.const 1
  memory.grow
  global.set $g
  block $b2
  global.get $g
  local.get $b
  i32.shl
  br_if $b2
  i32.const 2
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  i32.const 3
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block $v6 (result i32)
  i32.const 21
  i32.const 166
  br_if $v6
  i32.const 7
  i32.add
  end
  if $i5
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  global.set $g
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  local.get $b
  global.get $g
  i32.const 4
  call_indirect (type $t)
  local.set $x
  i32.const 221
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  else
  local.get $a
  local.get $a
  i32.const 4
  call_indirect (type $t)
  global.set $g
  end
  nop
  block $v7 (result i32)
  global.get $g
  global.get $g
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  global.get $g
  local.get $a
  i32.add
  global.get $g
  local.get $a
  i32.and
  i32.add
  i32.store
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  i32.const 252
  i32.const 132
  i32.add
  i32.const 157
  memory.fill
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if $i8
  nop
  local.get $a
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  return
  i32.const 1
  drop
  block $b9
  local.get $b
  local.get $b
  i32.shl
  local.set $x
  end
  i32.const 2
  local.set $c3
  loop $l10
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $a
  if (result i32)
  local.get $b
  else
  local.get $b
  end
  local.set $x
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l10
  end
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
  i32.const 1020
  i32.and
  local.get $b
  global.get $g
  global.get $g
  select
  i32.const 1020
  i32.and
  i32.load
  i32.store
  local.get $b
  global.get $g
  i32.add
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  br $b2
  loop
  br 0
  end
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  i32.const 3
  local.set $c4
  loop $l11
  local.get $c4
  i32.const 1
  i32.sub
  local.set $c4
  global.get $g
  local.get $b
  i32.add
  i32.const 94
  i32.const 145
  i32.shl
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  select
  local.set $x
  i32.const 35
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 70
  if (result i32)
  local.get $x
  else
  i32.const 283
  end
  i32.shl
  global.set $g
  block $v12 (result i32)
  local.get $x
  local.get $x
  i32.const 4
  call_indirect (type $t)
  local.get $x
  br_if $v12
  i32.const 7
  i32.add
  end
  local.set $x
  global.get $g
  global.set $g
  local.get $c4
  i32.const 0
  i32.gt_s
  br_if $l11
  end
  global.get $g
  local.set $x
  end
  local.get $a
  global.set $g
  local.get $x
  global.set $g
  local.get $b)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $v1 (result i32)
  local.get $b
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  if (result i32)
  local.get $b
  global.get $g
  i32.sub
  else
  block $v2 (result i32)
  local.get $a
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  end
  local.set $a
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  memory.size
  i32.const 511
  i32.and
  i32.const 109
  memory.copy
  i32.const 1
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  memory.size
  local.set $x
  block $v4 (result i32)
  i32.const 5
  local.get $x
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l3
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  global.get $g
  local.get $a
  i32.add
  i32.const 1020
  i32.and
  block $v5 (result i32)
  global.get $g
  local.get $x
  br_if $v5
  i32.const 7
  i32.add
  end
  global.get $g
  local.get $b
  local.get $x
  select
  i32.mul
  i32.store
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $a
  local.get $b
  i32.shl
  i32.sub))
