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
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 3
  local.set $c2
  loop $l2
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  local.get $a
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  if (result i32)
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  else
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  end
  local.set $a
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l2
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
  block $v3 (result i32)
  local.get $x
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  call $f3
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block $b4
  global.get $g
  local.get $b
  i32.or
  i32.const 3
  i32.and
  br_table $b4 $b4
  block $b5
  local.get $b
  local.get $x
  call $f2
  br_if $b4
  global.get $g
  global.get $g
  i32.or
  br_if $b5
  br $b5
  loop
  br 0
  end
  br $b4
  i32.const 1
  drop
  end
  i32.const 3
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  i32.const 3
  i32.and
  call $rec
  local.set $a
  global.get $g
  i32.const 290
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  local.get $b
  local.get $x
  local.get $x
  select
  i32.const 511
  i32.and
  i32.const 74
  memory.copy
  end
  nop
  local.get $a
  i32.eqz
  block $v6 (result i32)
  global.get $g
  local.get $x
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 1
  call_indirect (type $t)
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $a
  local.get $a
  i32.const 3
  call_indirect (type $t)
  local.get $a
  if (result i32)
  local.get $b
  else
  i32.const 59
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 0
  memory.grow
  global.set $g
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
  global.get $g
  local.get $b
  i32.or
  local.get $b
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.rotl
  local.set $x
  br $l1
  end
  end
  nop
  global.get $g
  i32.eqz
  global.get $g
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  call $f4)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
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
  local.get $x
  local.get $x
  i32.shr_u
  i32.const 3
  i32.and
  br_table $w2
  i32.const 111
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  if $i3
  nop
  br $i3
  unreachable
  local.get $b
  local.get $b
  i32.and
  i32.const 238
  i32.eqz
  i32.xor
  local.set $a
  i32.const 237
  i32.eqz
  br_if $w2
  else
  block (result i32 i32)
  i32.const 300
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  end
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $b
  end
  i32.rotl
  local.set $x
  br $l1
  end
  end
  nop
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
  i32.load
  local.set $x
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.and)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  local.get $a
  i32.const 121
  i32.shr_u
  i32.const 196
  memory.fill
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block $b2
  nop
  i32.const 86
  i32.const 111
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.const 84
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.shr_u
  i32.store
  end
  nop
  nop
  i32.const 3
  block $v3 (result i32)
  local.get $b
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $b1
  memory.size
  br_if $b1
  end
  nop
  local.get $a
  i32.const 290
  i32.and
  if $i2
  i32.const 238
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  local.get $x
  i32.shl
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  i32.const 217
  local.get $b
  i32.shr_u
  i32.const 1020
  i32.and
  global.get $g
  i32.const 72
  i32.xor
  block $v3 (result i32)
  local.get $a
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.add
  i32.store
  else
  block $b4
  nop
  end
  i32.const 2
  local.set $c1
  loop $l5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b6
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  memory.size
  i32.and
  local.set $x
  br $i2
  unreachable
  i32.const 77
  local.get $a
  i32.add
  i32.const 1023
  i32.and
  global.get $g
  i32.const 217
  i32.shr_u
  i32.const 25
  memory.fill
  end
  local.get $b
  local.get $a
  local.get $a
  select
  i32.const 3
  i32.and
  br_table $i2 $i2
  unreachable
  memory.size
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  i32.const 0
  memory.grow
  global.set $g
  block (result i32 i32)
  i32.const 87
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $i2
  end
  block (result i32 i32)
  i32.const 177
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  memory.size
  block (result i32 i32)
  i32.const 285
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
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
  block $v7 (result i32)
  global.get $g
  global.get $g
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.sub))
