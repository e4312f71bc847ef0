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
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  local.get $a
  i32.shr_u
  if $i1
  nop
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
  i32.const 1020
  i32.and
  i32.load
  block (result i32 i32)
  i32.const 75
  i32.const 2
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  call $f1
  local.set $x
  i32.const 118
  global.get $g
  i32.or
  local.get $b
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  i32.add
  global.set $g
  br $l2
  end
  end
  else
  local.get $x
  i32.const 112
  call $f1
  i32.const 511
  i32.and
  local.get $a
  i32.eqz
  i32.const 511
  i32.and
  i32.const 288
  memory.copy
  local.get $x
  local.get $a
  local.get $a
  select
  i32.const 1020
  i32.and
  global.get $g
  global.get $g
  i32.shl
  local.get $b
  local.get $x
  i32.sub
  i32.and
  i32.store
  br $i1
  i32.const 1
  drop
  end
  nop
  i32.const 3
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  if $i5
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  local.get $x
  local.get $x
  i32.add
  i32.const 511
  i32.and
  i32.const 107
  memory.copy
  i32.const 2
  local.set $c3
  loop $l6
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $x
  i32.const -1
  i32.or
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.sub
  local.set $x
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l6
  end
  else
  i32.const 185
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  nop
  end
  local.get $x
  i32.const 111
  i32.xor
  i32.const 1023
  i32.and
  block $v7 (result i32)
  local.get $b
  local.get $b
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.const 175
  memory.fill
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  i32.const 1023
  i32.and
  global.get $g
  global.get $g
  call $f3
  i32.const 152
  memory.fill
  nop
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  nop
  block $v8 (result i32)
  local.get $b
  global.get $g
  br_if $v8
  i32.const 7
  i32.add
  end
  local.get $b
  local.get $a
  call $f1
  call $f2)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $a
  if (result i32)
  local.get $b
  else
  local.get $x
  end
  i32.const 511
  i32.and
  local.get $a
  local.get $b
  call $f4
  i32.const 511
  i32.and
  i32.const 230
  memory.copy
  block (result i32 i32)
  i32.const 262
  i32.const 66
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  local.get $x
  i32.add
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  local.get $a
  i32.sub
  if (result i32)
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $x
  end
  else
  local.get $a
  local.get $a
  i32.shr_u
  end
  global.set $g
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
  local.get $a
  global.get $g
  i32.or
  global.get $g
  global.get $g
  local.get $a
  select
  i32.rotl)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $a
  i32.const 249
  i32.shr_u
  if (result i32)
  local.get $x
  i32.eqz
  else
  i32.const 68
  i32.eqz
  end
  local.set $x
  global.get $g
  local.get $x
  i32.const 4
  call_indirect (type $t)
  local.get $b
  local.get $b
  global.get $g
  select
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  nop
  block $v5 (result i32)
  global.get $g
  local.get $a
  br_if $v5
  i32.const 7
  i32.add
  end
  if $i1
  block $b2
  nop
  block $v3 (result i32)
  local.get $b
  global.get $g
  i32.shr_u
  global.get $g
  i32.eqz
  br_if $v3
  i32.const 7
  i32.add
  end
  local.set $a
  nop
  br $b2
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  global.set $g
  else
  block $b4
  i32.const 0
  memory.grow
  global.set $g
  memory.size
  local.set $a
  memory.size
  br_if $i1
  block (result i32 i32)
  local.get $a
  local.get $x
  i32.sub
  block (result i32 i32)
  local.get $b
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
  local.set $x
  end
  end
  i32.const 1
  local.set $c1
  block $w7
  loop $l6
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w7
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 2
  local.set $c2
  loop $l8
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block $v9 (result i32)
  local.get $b
  global.get $g
  br_if $v9
  i32.const 7
  i32.add
  end
  global.get $g
  i32.const 276
  i32.rotl
  memory.size
  select
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l8
  end
  local.get $x
  i32.eqz
  if $i10
  global.get $g
  local.get $x
  i32.rotl
  i32.const 1020
  i32.and
  memory.size
  i32.store
  end
  i32.const 170
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  global.get $g
  local.get $b
  i32.rotl
  i32.or
  global.set $g
  br $l6
  end
  end
  memory.size))
