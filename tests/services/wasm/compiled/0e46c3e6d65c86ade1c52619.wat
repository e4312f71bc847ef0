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
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  local.get $a
  local.get $b
  i32.const 3
  call_indirect (type $t)
  global.get $g
  i32.const 181
  i32.and
  i32.rotl
  local.set $x
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 63
  memory.copy
  nop
  local.get $a
  local.get $a
  i32.shr_u
  if $i1
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  br $i1
  local.get $b
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 1023
  i32.and
  block $v3 (result i32)
  i32.const 126
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 160
  memory.fill
  i32.const 1
  memory.grow
  global.set $g
  i32.const 0
  memory.grow
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  local.get $b
  global.get $g
  i32.rotl
  i32.const 3
  i32.and
  br_table $i1
  local.get $b
  i32.const 269
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  block $v4 (result i32)
  local.get $a
  global.get $g
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.const 53
  memory.fill
  else
  block $b5
  i32.const 2
  local.set $c2
  loop $l6
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l6
  end
  local.get $x
  local.get $a
  i32.and
  br_if $b5
  end
  block $v7 (result i32)
  global.get $g
  local.get $x
  br_if $v7
  i32.const 7
  i32.add
  end
  if (result i32)
  local.get $b
  local.get $x
  local.get $b
  select
  else
  global.get $g
  i32.eqz
  end
  local.set $x
  i32.const 2
  local.set $c3
  loop $l8
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  block $b9
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  br_table $b9 $i1
  local.get $b
  local.get $a
  i32.shl
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  global.get $g
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  local.get $a
  i32.const 33
  call $f3
  i32.const 511
  i32.and
  i32.const 264
  memory.copy
  end
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l8
  end
  end
  global.get $g
  global.get $g
  i32.shl
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  call $f1)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block $v1 (result i32)
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  block $v2 (result i32)
  local.get $a
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 1
  memory.grow
  global.set $g
  nop
  block $b1
  global.get $g
  i32.const 290
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  local.get $a
  local.get $x
  i32.mul
  i32.const 511
  i32.and
  i32.const 262
  memory.copy
  end
  local.get $a
  local.get $b
  local.get $b
  select
  if $i2
  nop
  end
  i32.const 1
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  nop
  local.get $a
  i32.eqz
  i32.const 1023
  i32.and
  global.get $g
  i32.eqz
  i32.const 108
  memory.fill
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  i32.const 224
  local.get $a
  i32.or
  local.get $b
  global.get $g
  i32.xor
  block $v4 (result i32)
  local.get $b
  local.get $a
  br_if $v4
  i32.const 7
  i32.add
  end
  select)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $v3 (result i32)
  i32.const 285
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  if $i1
  br $i1
  i32.const 1
  drop
  block $v2 (result i32)
  local.get $b
  local.get $x
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  local.get $x
  i32.const 151
  call $f4
  i32.const 168
  memory.fill
  nop
  nop
  end
  i32.const -4
  i32.eqz
  if $i4
  nop
  br $i4
  block (result i32 i32)
  local.get $a
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  br_table $i4 $i4
  unreachable
  i32.const 1
  local.set $c1
  loop $l5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  global.get $g
  i32.mul
  i32.const 511
  i32.and
  block $v6 (result i32)
  i32.const 253
  local.get $a
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 121
  memory.copy
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  end
  block $v8 (result i32)
  local.get $x
  local.get $x
  br_if $v8
  i32.const 7
  i32.add
  end
  if $i7
  nop
  global.get $g
  local.get $b
  i32.shr_u
  i32.const 3
  i32.and
  br_table $i7 $i7 $i7
  i32.const 121
  i32.const 53
  i32.mul
  br_if $i7
  block (result i32 i32)
  i32.const 195
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  else
  i32.const 294
  local.get $a
  i32.add
  end
  global.set $g
  else
  global.get $g
  local.get $b
  call $f4
  global.get $g
  local.get $a
  i32.xor
  i32.add
  global.set $g
  end
  i32.const 3
  block (result i32 i32)
  i32.const 125
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  return
  memory.size
  i32.const 1020
  i32.and
  memory.size
  i32.store
  local.get $b
  i32.const 128
  i32.shl
  i32.const 1020
  i32.and
  i32.load))
