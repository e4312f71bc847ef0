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
  global.get $g
  local.get $b
  i32.const 3
  call_indirect (type $t)
  if $i4
  local.get $b
  local.get $a
  i32.shl
  global.set $g
  block $v5 (result i32)
  local.get $b
  i32.const 254
  br_if $v5
  i32.const 7
  i32.add
  end
  drop
  end
  block (result i32 i32)
  local.get $a
  i32.const 261
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 58
  i32.eqz
  i32.const 3
  call_indirect (type $t)
  local.set $a
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  if $i6
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
  if $i7
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
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  nop
  i32.const 150
  i32.const 108
  i32.mul
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
  i32.const 3
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 2
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  block $v5 (result i32)
  local.get $a
  local.get $x
  local.get $a
  select
  local.get $x
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  br_if $v5
  i32.const 7
  i32.add
  end
  local.set $x
  local.get $b
  global.get $g
  i32.and
  i32.const 1023
  i32.and
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 116
  memory.fill
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  global.get $g
  global.get $g
  i32.rotl
  i32.const 1023
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 25
  memory.fill
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
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  end
  nop
  nop
  i32.const 3
  local.get $x
  i32.const 283
  local.get $a
  select
  i32.const 3
  i32.and
  call $rec)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  global.get $g
  local.get $b
  local.get $b
  select
  i32.eqz
  local.set $a
  nop
  nop
  i32.const 3
  local.get $a
  local.get $b
  i32.xor
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.eqz
  i32.const 1023
  i32.and
  local.get $b
  local.get $a
  call $f4
  i32.const 86
  memory.fill
  local.get $x
  i32.const 129
  i32.rotl
  i32.const 511
  i32.and
  i32.const 244
  i32.eqz
  i32.const 511
  i32.and
  i32.const 206
  memory.copy
  nop
  nop
  i32.const 3
  local.get $x
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  global.get $g
  local.get $b
  i32.add
  i32.const 1020
  i32.and
  local.get $a
  i32.eqz
  if (result i32)
  local.get $x
  local.get $x
  i32.const 194
  select
  else
  local.get $b
  i32.eqz
  end
  i32.store
  i32.const 158
  i32.const 17
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  memory.size
  i32.rotl
  i32.store
  block $v1 (result i32)
  block (result i32 i32)
  local.get $b
  i32.const 200
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end))
