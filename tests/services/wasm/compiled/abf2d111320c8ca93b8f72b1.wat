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
  global.get $g
  local.get $a
  call $f3
  local.get $b
  local.get $a
  i32.shr_u
  i32.or)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local i64)
  global.get $g
  if $i1
  i32.const 1
  local.set $c1
  block $w3
  loop $l2
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  global.get $g
  global.get $g
  local.get $x
  select
  if $i4
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i4 $i1
  block
  nop
  end
  local.get $x
  local.get $x
  local.get $x
  select
  i32.const 3
  i32.and
  br_table $i4 $i4 $w3
  loop
  br 0
  end
  i32.const 2
  local.set $c2
  loop $l5
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 139
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  local.set $x
  global.get $g
  local.get $b
  i32.const 2
  call_indirect (type $t)
  global.set $g
  local.get $a
  local.get $a
  i32.and
  local.set $x
  local.get $a
  i32.const 14
  i32.add
  local.set $x
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  i32.const 3
  local.set $c3
  block $w7
  loop $l6
  local.get $c3
  i32.const 0
  i32.le_s
  br_if $w7
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $b
  global.get $g
  i32.add
  local.set $x
  local.get $b
  global.get $g
  i32.xor
  local.set $x
  br $l6
  end
  end
  else
  br $i1
  i32.const 1
  drop
  local.get $x
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $x
  local.get $x
  local.get $b
  select
  local.get $a
  i32.eqz
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  end
  local.get $b
  i32.const 171
  i32.shr_u
  i32.const 1023
  i32.and
  local.get $a
  local.get $b
  local.get $a
  select
  i32.const 113
  memory.fill
  local.get $b
  local.get $x
  i32.mul
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  i32.const 1
  local.set $c4
  loop $l8
  local.get $c4
  i32.const 1
  i32.sub
  local.set $c4
  block (result i32 i32)
  local.get $x
  local.get $a
  call $f4
  local.get $x
  i32.eqz
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $x
  local.get $b
  local.get $x
  i32.or
  i32.const 1020
  i32.and
  local.get $x
  local.get $b
  i32.shl
  local.get $x
  local.get $x
  i32.or
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  local.get $b
  if (result i32)
  local.get $b
  else
  i32.const 295
  end
  i32.const 1023
  i32.and
  local.get $a
  local.get $b
  i32.xor
  i32.const 32
  memory.fill
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  global.set $g
  local.get $c4
  i32.const 0
  i32.gt_s
  br_if $l8
  end
  br $l2
  end
  end
  block (result i32 i32)
  local.get $x
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz
  local.set $x
  i32.const 3
  i32.const 58
  i32.const 3
  i32.and
  call $rec
  return
  block
  nop
  end
  block $b9
  local.get $b
  local.get $b
  i32.xor
  if (result i32)
  global.get $g
  i32.const 267
  local.get $b
  select
  else
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  end
  global.set $g
  nop
  end
  else
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  br_if $i1
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $i1
  end
  local.get $a
  global.set $g
  i32.const 291
  drop
  global.get $g
  drop
  local.get $x
  local.set $x
  local.get $a)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  local.get $b
  global.get $g
  local.get $a
  select
  local.get $a
  i32.const 16
  i32.const 1
  i32.or
  i32.div_u
  i32.shl
  i32.store
  i32.const 2
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
  local.get $b
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 511
  i32.and
  block $v3 (result i32)
  local.get $a
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 172
  memory.copy
  local.get $x
  i32.const 282
  i32.const 3
  call_indirect (type $t)
  br_if $w2
  block $b4
  local.get $b
  i32.const 289
  i32.const 3
  call_indirect (type $t)
  if $i5
  nop
  local.get $x
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $x
  local.get $a
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 243
  local.get $a
  i32.const 4
  call_indirect (type $t)
  select
  global.set $g
  end
  i32.const 259
  i32.const 272
  global.get $g
  select
  i32.const 3
  i32.and
  br_table $b4
  br $w2
  i32.const 1
  drop
  nop
  end
  i32.const 3
  i32.const 104
  i32.const 3
  i32.and
  call $rec
  local.get $b
  i32.eqz
  i32.xor
  local.set $x
  br $l1
  end
  end
  local.get $b
  i32.eqz
  local.get $x
  local.get $x
  i32.xor
  i32.const 3
  call_indirect (type $t))
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $b
  i32.shl
  local.get $x
  local.get $x
  i32.shr_u
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  nop
  nop
  nop
  block (result i32 i32)
  local.get $a
  i32.const 169
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  global.get $g
  i32.add
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $a
  i32.const 112
  local.get $b
  select
  local.get $x
  local.get $x
  i32.add
  i32.mul
  local.set $a
  nop
  block (result i32 i32)
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
