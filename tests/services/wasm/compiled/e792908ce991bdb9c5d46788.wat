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
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  global.get $g
  global.get $g
  i32.xor
  return
  unreachable
  i32.const 1
  memory.grow
  global.set $g
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  if $i2
  br $i2
  i32.const 1
  drop
  else
  local.get $a
  local.get $b
  local.get $x
  select
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 200
  i32.const 209
  call $f1
  i32.const 239
  if (result i32)
  i32.const 191
  else
  local.get $a
  end
  call $f2
  local.set $x
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  i32.eqz
  i32.const 3
  call_indirect (type $t))
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  i32.const 1
  local.set $c1
  block $w2
  loop $l1
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  local.get $b
  i32.sub
  local.get $b
  local.get $x
  i32.const 4
  call_indirect (type $t)
  call $f2
  local.set $x
  local.get $x
  i32.eqz
  i32.const 511
  i32.and
  i32.const 21
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 235
  memory.copy
  global.get $g
  i32.eqz
  return
  loop
  br 0
  end
  local.get $x
  if (result i32)
  local.get $b
  else
  i32.const 107
  end
  br_if $w2
  br $l1
  end
  end
  local.get $b
  i32.const -1
  i32.const 3
  call_indirect (type $t)
  i32.eqz
  local.set $x
  nop
  i32.const 179
  local.get $b
  i32.add
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 264
  global.get $g
  i32.or
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz
  i32.store
  global.get $g
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz
  global.set $g
  nop
  block (result i32 i32)
  local.get $a
  i32.const 62
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  i32.eqz
  i32.xor)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 25
  if (result i32)
  i32.const 286
  else
  local.get $a
  end
  i32.const 511
  i32.and
  i32.const 215
  global.get $g
  i32.const 96
  select
  i32.const 511
  i32.and
  i32.const 285
  memory.copy
  nop
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  block $v1 (result i32)
  local.get $a
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 106
  memory.fill
  local.get $x
  local.get $x
  i32.const 4
  call_indirect (type $t)
  global.get $g
  i32.eqz
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  memory.size
  if $i1
  local.get $x
  local.get $x
  local.get $a
  select
  br_if $i1
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  br_table $i1 $i1
  loop
  br 0
  end
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 0
  memory.grow
  global.set $g
  br $i1
  i32.const 1
  drop
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i3
  memory.size
  i32.const 3
  i32.and
  br_table $i1
  block
  nop
  end
  i32.const 3
  local.set $c2
  block $w5
  loop $l4
  local.get $c2
  i32.const 0
  i32.le_s
  br_if $w5
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 1
  memory.grow
  global.set $g
  i32.const 3
  memory.size
  i32.const 3
  i32.and
  call $rec
  local.set $x
  br $l4
  end
  end
  memory.size
  i32.const 511
  i32.and
  block $v6 (result i32)
  i32.const 197
  local.get $a
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 54
  memory.copy
  memory.size
  i32.const 3
  i32.and
  br_table $i1 $i3
  else
  i32.const 1
  local.set $c3
  block $w8
  loop $l7
  local.get $c3
  i32.const 0
  i32.le_s
  br_if $w8
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $x
  global.get $g
  i32.and
  i32.eqz
  i32.eqz
  local.get $c3
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l7
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  local.get $a
  global.get $g
  i32.shl
  i32.const 158
  memory.fill
  br $l7
  end
  end
  global.get $g
  global.get $g
  local.get $b
  select
  br_if $i3
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i9
  local.get $a
  i32.eqz
  i32.const 1020
  i32.and
  i32.const 3
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  call $rec
  i32.store
  block $b10
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  drop
  local.get $a
  i32.eqz
  local.set $x
  local.get $b
  local.get $b
  i32.mul
  global.set $g
  end
  global.get $g
  local.get $b
  i32.shr_u
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  end
  end
  end
  block $v11 (result i32)
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  local.get $x
  global.get $g
  i32.rotl
  br_if $v11
  i32.const 7
  i32.add
  end
  local.set $a
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.load))
