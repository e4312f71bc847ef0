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
  global.get $g
  global.get $g
  i32.xor
  return
  unreachable
  i32.const 1
  memory.grow
  global.set $g
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  local.get $a
  i32.shl
  if $i2
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  if $i3
  br $i3
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
  end
  block (result i32 i32)
  global.get $g
  i32.const 239
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  local.get $a
  local.get $b
  local.get $x
  select
  i32.const 511
  i32.and
  i32.const 185
  memory.copy
  block (result i32 i32)
  local.get $a
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  local.get $x
  i32.const 256
  i32.const 1
  i32.or
  i32.div_u
  i32.const 195
  memory.fill
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 3
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  global.get $g
  global.get $g
  call $f1
  i32.const 52
  memory.fill
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  local.get $a
  local.get $a
  i32.const 2
  call_indirect (type $t)
  global.get $g
  i32.const 171
  i32.const 21
  select
  i32.shr_u)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  local.get $a
  call $f2
  if $i1
  global.get $g
  local.get $x
  i32.mul
  i32.const 3
  i32.and
  br_table $i1 $i1
  local.get $b
  i32.eqz
  br_if $i1
  i32.const 121
  local.get $x
  call $f2
  br_if $i1
  end
  nop
  nop
  nop
  block (result i32 i32)
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  i32.eqz
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  nop
  nop
  block (result i32 i32)
  local.get $b
  local.get $x
  i32.shl
  local.get $b
  global.get $g
  i32.add
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.load)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 292
  local.get $x
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 197
  memory.copy
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b2
  local.get $b
  local.get $a
  local.get $b
  select
  i32.const 133
  i32.eqz
  i32.shr_u
  global.set $g
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 268
  i32.const 196
  i32.xor
  i32.const 1020
  i32.and
  local.get $x
  local.get $x
  local.get $a
  select
  block $v3 (result i32)
  local.get $x
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.or
  i32.store
  i32.const 3
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block (result i32 i32)
  local.get $a
  i32.const 278
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i5
  i32.const 1
  memory.grow
  global.set $g
  i32.const 2
  local.set $c3
  loop $l6
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  br $i5
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l6
  end
  local.get $x
  local.get $x
  i32.xor
  i32.const 1020
  i32.and
  block $v7 (result i32)
  local.get $b
  local.get $b
  local.get $x
  select
  global.get $g
  i32.const 194
  i32.rotl
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.store
  local.get $b
  if (result i32)
  i32.const 203
  else
  i32.const 197
  end
  br_if $i5
  end
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  nop
  global.get $g
  local.get $x
  i32.const 4
  call_indirect (type $t)
  global.get $g
  i32.const 110
  i32.mul
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  select
  local.set $x
  nop
  i32.const 3
  block (result i32 i32)
  global.get $g
  i32.const 212
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  global.set $g
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.eqz))
