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
  block $b1
  block (result i32 i32)
  global.get $g
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $b1
  block $b2
  i32.const 1
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  local.get $x
  i32.mul
  i32.const 254
  i32.const 133
  i32.xor
  block (result i32 i32)
  local.get $b
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  select
  local.set $a
  i32.const 58
  local.get $b
  call $f3
  br_if $b1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  if $i4
  local.get $x
  global.get $g
  global.get $g
  select
  local.get $b
  i32.const 153
  call $f2
  i32.xor
  global.set $g
  local.get $b
  local.get $x
  i32.or
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $a
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 255
  memory.copy
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $b
  end
  if $i5
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  drop
  global.get $g
  global.get $g
  local.get $b
  select
  local.set $x
  global.get $g
  local.get $x
  i32.shr_u
  local.set $x
  i32.const 3
  i32.const 262
  i32.const 3
  i32.and
  call $rec
  local.set $x
  end
  end
  i32.const 82
  global.get $g
  i32.const 2
  call_indirect (type $t)
  i32.const 3
  i32.and
  br_table $b2 $b1 $b1
  loop
  br 0
  end
  local.get $a
  local.get $b
  local.get $x
  select
  i32.const 1023
  i32.and
  i32.const 289
  i32.const 1020
  i32.and
  i32.load
  i32.const 95
  memory.fill
  end
  end
  i32.const 3
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  call $rec
  local.set $a
  i32.const 3
  global.get $g
  local.get $a
  i32.mul
  i32.const 3
  i32.and
  call $rec)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  local.get $a
  i32.const 12
  i32.or
  if $i1
  block $b2
  local.get $a
  global.get $g
  i32.add
  if (result i32)
  global.get $g
  local.get $x
  i32.shl
  else
  local.get $a
  i32.const 174
  i32.const 1
  i32.or
  i32.div_u
  end
  local.set $x
  local.get $x
  local.get $a
  call $f2
  i32.const 98
  i32.const 1020
  i32.and
  i32.load
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  i32.const 249
  local.get $b
  global.get $g
  select
  br_if $b2
  local.get $x
  i32.const 250
  local.get $x
  select
  br_if $i1
  end
  else
  local.get $x
  i32.const 12
  call $f2
  br_if $i1
  br $i1
  loop
  br 0
  end
  i32.const 2
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  end
  local.get $x
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  i32.const 1020
  i32.and
  global.get $g
  local.get $a
  local.get $x
  select
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.shr_u
  i32.store
  nop
  i32.const 34
  global.get $g
  i32.const 189
  select
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 150
  i32.const 108
  i32.mul
  if $i1
  local.get $b
  i32.const 98
  local.get $x
  select
  i32.const 1020
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  i32.store
  end
  nop
  nop
  i32.const 160
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 1023
  i32.and
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 107
  memory.fill
  i32.const 3
  global.get $g
  global.get $g
  i32.and
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  global.get $g
  local.get $a
  i32.xor
  local.get $b
  local.get $x
  i32.shl
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  local.get $b
  local.get $b
  i32.add
  i32.const 1020
  i32.and
  i32.const 3
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  call $rec
  i32.store
  nop
  block $v2 (result i32)
  local.get $x
  i32.const 244
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.load)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  nop
  nop
  block $b1
  local.get $a
  i32.eqz
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
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
  memory.size
  local.get $x
  i32.const 194
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  i32.eqz
  select
  local.set $x
  br $w3
  i32.const 1
  drop
  br $l2
  end
  end
  i32.const 3
  i32.const 21
  i32.const 258
  i32.mul
  i32.const 3
  i32.and
  call $rec
  local.set $a
  end
  global.get $g
  i32.eqz
  i32.const 277
  local.get $a
  global.get $g
  select
  i32.sub
  local.set $a
  block $v4 (result i32)
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $v4
  i32.const 7
  i32.add
  end))
