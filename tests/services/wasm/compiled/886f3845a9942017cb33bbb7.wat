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
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  block (result i32 i32)
  local.get $x
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
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
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 55
  local.get $b
  call $f4
  i32.const 3
  call_indirect (type $t)
  local.set $x
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
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
  i32.const 287
  memory.copy
  block $v3 (result i32)
  local.get $x
  i32.const 18
  br_if $v3
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
  end
  i32.const 3
  block (result i32 i32)
  local.get $a
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  global.get $g
  global.get $g
  global.get $g
  select
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $x
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  global.get $g
  local.get $x
  call $f4
  i32.shr_u
  local.set $x
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  if $i2
  block $b3
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  i32.const -4
  local.get $b
  i32.sub
  i32.const 155
  memory.fill
  end
  end
  i32.const 2
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  local.get $a
  i32.eqz
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.rotl
  global.set $g
  block (result i32 i32)
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  i32.const 127
  i32.or
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 3
  block $v1 (result i32)
  global.get $g
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  call $rec
  global.set $g
  i32.const 1
  local.set $c1
  loop $l2
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
  local.get $x
  local.get $x
  i32.or
  i32.const 183
  memory.fill
  memory.size
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  block $b3
  nop
  block $b4
  local.get $a
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  i32.const 1020
  i32.and
  local.get $x
  local.get $a
  i32.const 45
  select
  i32.eqz
  i32.store
  nop
  nop
  end
  br $b3
  end
  block $v5 (result i32)
  global.get $g
  local.get $x
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  block $v6 (result i32)
  local.get $b
  global.get $g
  br_if $v6
  i32.const 7
  i32.add
  end
  memory.size
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  block (result i32 i32)
  local.get $a
  local.get $b
  i32.add
  local.get $a
  i32.const 196
  local.get $x
  select
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
