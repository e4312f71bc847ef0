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
  i32.const 1
  memory.grow
  global.set $g
  i32.const 95
  i32.const 1020
  i32.and
  i32.load
  if $i1
  nop
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 1
  memory.grow
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  else
  i32.const 75
  if (result i32)
  i32.const 2
  else
  local.get $a
  end
  i32.const 1023
  i32.and
  local.get $b
  global.get $g
  i32.or
  i32.const 112
  memory.fill
  end
  nop
  nop
  nop
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $x
  i32.const 112
  call $f1
  i32.and)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  global.get $g
  i32.const 2
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  i32.const 3
  block (result i32 i32)
  local.get $b
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec
  local.set $a
  block $v1 (result i32)
  global.get $g
  i32.const 32
  br_if $v1
  i32.const 7
  i32.add
  end
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $a
  i32.eqz
  select)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $a
  local.get $a
  i32.shr_u
  i32.const 1020
  i32.and
  local.get $b
  i32.const 224
  i32.xor
  block $v1 (result i32)
  global.get $g
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 4
  call_indirect (type $t)
  i32.store
  local.get $a
  i32.const 133
  local.get $a
  select
  i32.const 1023
  i32.and
  global.get $g
  local.get $a
  i32.add
  i32.const 37
  memory.fill
  i32.const 262
  i32.const 66
  i32.const 1
  i32.or
  i32.div_u
  if $i2
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  br_if $i2
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.shr_u
  local.set $x
  nop
  block $b3
  i32.const 3
  local.set $c1
  loop $l4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $v5 (result i32)
  local.get $b
  local.get $b
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  br_table $i2
  loop
  br 0
  end
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  local.get $a
  i32.const 14
  i32.and
  local.get $x
  i32.const 210
  i32.shr_u
  local.get $b
  i32.eqz
  select
  global.set $g
  i32.const 240
  local.get $x
  i32.xor
  local.get $a
  global.get $g
  i32.shr_u
  i32.xor
  local.set $x
  i32.const 183
  i32.eqz
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.or
  local.set $x
  end
  end
  local.get $x
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  local.get $x
  local.get $a
  i32.sub
  i32.shr_u
  global.set $g
  nop
  block $v6 (result i32)
  block $v7 (result i32)
  local.get $x
  local.get $a
  br_if $v7
  i32.const 7
  i32.add
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
  br_if $v6
  i32.const 7
  i32.add
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
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
  i32.load
  global.set $g
  local.get $x
  local.get $x
  i32.shl
  block $v1 (result i32)
  global.get $g
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.rotl
  local.set $x
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  local.set $x
  nop
  local.get $x
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  i32.const 98
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $b
  i32.or
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
  local.get $b
  local.get $x
  i32.xor
  global.get $g
  local.get $a
  i32.sub
  select)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 1
  memory.grow
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  local.get $x
  local.get $a
  i32.shr_u
  if $i2
  block (result i32 i32)
  global.get $g
  i32.const 156
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  local.get $a
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  i32.const 146
  memory.fill
  nop
  block (result i32 i32)
  global.get $g
  local.get $a
  i32.and
  local.get $a
  global.get $g
  i32.sub
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  nop
  end
  local.get $x
  i32.const 271
  i32.rotl
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.xor
  local.set $x
  block $v3 (result i32)
  local.get $b
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  global.get $g
  i32.const 276
  i32.rotl
  i32.const 511
  i32.and
  i32.const 175
  memory.copy
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if (result i32)
  local.get $a
  i32.const 153
  i32.or
  else
  local.get $x
  i32.eqz
  end))
