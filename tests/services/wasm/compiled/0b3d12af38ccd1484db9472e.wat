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
  local.get $a
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block $v1 (result i32)
  local.get $b
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 113
  i32.const 224
  i32.shl
  call $f2
  i32.store
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $x
  local.get $b
  i32.or
  i32.shl)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $x
  local.get $b
  i32.mul
  i32.const 511
  i32.and
  i32.const 192
  memory.copy
  block $v2 (result i32)
  global.get $g
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $b
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.shr_u
  local.set $x
  else
  br $i1
  br $i1
  i32.const 1
  drop
  local.get $b
  i32.const 9
  i32.or
  i32.const 3
  i32.and
  br_table $i1
  i32.const 1
  drop
  end
  local.get $x
  if (result i32)
  global.get $g
  else
  i32.const 19
  end
  i32.const 1020
  i32.and
  block $v3 (result i32)
  local.get $a
  local.get $b
  i32.xor
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.store
  nop
  local.get $x
  i32.const 246
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 65
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 4
  call_indirect (type $t)
  i32.store
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b2
  local.get $x
  i32.const 89
  i32.shr_u
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  local.get $b
  local.get $x
  i32.shr_u
  local.get $x
  i32.const 58
  i32.const 1
  i32.or
  i32.div_u
  call $f4)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 53
  memory.fill
  block $b2
  global.get $g
  i32.eqz
  i32.const 1023
  i32.and
  block $v3 (result i32)
  i32.const 152
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 199
  memory.fill
  i32.const 236
  local.get $x
  i32.rotl
  br_if $i1
  end
  global.get $g
  global.get $g
  i32.and
  if $i4
  global.get $g
  local.get $b
  i32.xor
  return
  i32.const 122
  global.get $g
  i32.shr_u
  i32.const 3
  i32.and
  br_table $i4 $i1 $i1
  block
  nop
  end
  i32.const 1
  local.set $c1
  loop $l5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  local.get $x
  local.get $b
  local.get $x
  select
  i32.shl
  local.set $x
  local.get $x
  i32.const 44
  i32.xor
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l5
  global.get $g
  local.get $x
  call $f4
  global.get $g
  i32.eqz
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  local.get $b
  global.get $g
  i32.const 4
  call_indirect (type $t)
  if $i6
  i32.const 19
  local.get $b
  i32.const 4
  call_indirect (type $t)
  local.set $x
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  global.set $g
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  global.get $g
  i32.const 110
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz
  local.set $a
  end
  else
  block (result i32 i32)
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  global.get $g
  local.get $a
  i32.shl
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  local.get $b
  global.get $g
  i32.add
  i32.const 1023
  i32.and
  block $v7 (result i32)
  global.get $g
  local.get $b
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.const 188
  memory.fill
  br $i1
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  br_if $i1
  end
  nop
  nop
  i32.const 134
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  local.get $b
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 86
  memory.copy
  local.get $x
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 35
  local.get $x
  i32.rotl
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  local.get $b
  local.get $x
  local.get $x
  select
  return
  block
  nop
  end
  memory.size
  local.set $a
  block $v1 (result i32)
  i32.const 111
  i32.const 256
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  memory.size
  i32.const 1020
  i32.and
  i32.load
  i32.store
  i32.const 2
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b3
  i32.const 220
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 176
  memory.fill
  block $b4
  block $b5
  local.get $b
  if (result i32)
  i32.const 230
  else
  i32.const 63
  end
  global.set $g
  memory.size
  global.set $g
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  drop
  memory.size
  local.set $x
  end
  block $b6
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  local.set $x
  block $v7 (result i32)
  global.get $g
  global.get $g
  br_if $v7
  i32.const 7
  i32.add
  end
  global.set $g
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  drop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  end
  local.get $x
  local.get $b
  i32.xor
  i32.const 1020
  i32.and
  global.get $g
  i32.const 147
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  local.get $a
  i32.sub
  i32.shl
  i32.store
  i32.const 3
  local.set $c2
  loop $l8
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  local.get $x
  i32.const 33
  i32.mul
  global.set $g
  local.get $x
  i32.eqz
  local.set $x
  local.get $x
  global.get $g
  i32.shl
  drop
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l8
  end
  end
  i32.const 2
  local.set $c3
  loop $l9
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  block (result i32 i32)
  memory.size
  i32.const 104
  local.get $b
  i32.sub
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  block $v11 (result i32)
  global.get $g
  i32.const 246
  br_if $v11
  i32.const 7
  i32.add
  end
  if $i10
  global.get $g
  local.get $x
  i32.shr_u
  drop
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  drop
  memory.size
  drop
  else
  memory.size
  global.set $g
  memory.size
  drop
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  local.set $x
  memory.size
  drop
  end
  local.get $a
  local.get $x
  i32.shl
  global.get $g
  i32.eqz
  i32.xor
  local.set $x
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l9
  end
  end
  local.get $b
  i32.const 60
  i32.rotl
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  local.get $x
  local.get $a
  i32.shl
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  block (result i32 i32)
  local.get $a
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  local.set $x
  local.get $x))
