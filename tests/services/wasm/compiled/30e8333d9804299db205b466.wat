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
  local.get $a
  local.get $b
  i32.const 3
  call_indirect (type $t)
  global.get $g
  i32.const 181
  i32.and
  i32.rotl
  local.set $x
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 63
  memory.copy
  nop
  i32.const 246
  i32.const 266
  i32.add
  if $i1
  i32.const 2
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 1
  local.set $c2
  loop $l3
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  block $b4
  local.get $b
  local.get $x
  local.get $b
  select
  drop
  local.get $x
  local.get $a
  call $f4
  local.set $x
  end
  local.get $b
  global.get $g
  i32.rotl
  i32.const 3
  i32.and
  br_table $i1
  local.get $b
  i32.const 269
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  block $v5 (result i32)
  local.get $a
  global.get $g
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.const 53
  memory.fill
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  local.get $b
  local.get $a
  i32.shr_u
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  i32.const -4
  i32.eqz
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
  global.get $g
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 3
  i32.and
  br_table $i1 $i1 $i1
  br $i1
  else
  i32.const 1
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
  local.get $a
  local.get $b
  local.get $b
  select
  i32.const 3
  i32.and
  br_table $w7 $i1 $i1
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 233
  global.get $g
  i32.shl
  i32.const 511
  i32.and
  i32.const 204
  memory.copy
  local.get $a
  i32.const 33
  call $f3
  block $v8 (result i32)
  local.get $x
  local.get $b
  br_if $v8
  i32.const 7
  i32.add
  end
  i32.sub
  local.set $a
  br $l6
  end
  end
  end
  global.get $g
  i32.const 202
  call $f4
  block (result i32 i32)
  global.get $g
  i32.const 50
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.shr_u)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $b
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  global.get $g
  local.get $x
  i32.rotl
  i32.const 511
  i32.and
  i32.const 72
  memory.copy
  block $v2 (result i32)
  block $v3 (result i32)
  global.get $g
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 290
  i32.const 84
  local.get $x
  select
  br_if $v2
  i32.const 7
  i32.add
  end
  local.set $a
  block $b4
  global.get $g
  local.get $a
  i32.const 3
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block $v5 (result i32)
  local.get $a
  i32.eqz
  local.get $x
  local.get $x
  i32.shl
  br_if $v5
  i32.const 7
  i32.add
  end
  i32.store
  global.get $g
  i32.eqz
  br_if $b4
  end
  local.get $a
  i32.const 224
  i32.const 2
  call_indirect (type $t)
  i32.const 25
  local.get $a
  call $f4
  global.get $g
  local.get $b
  i32.or
  select)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  local.get $a
  call $f3
  block (result i32 i32)
  local.get $x
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.and
  global.set $g
  local.get $x
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  i32.const 285
  local.get $a
  i32.xor
  block $v1 (result i32)
  global.get $g
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  local.get $x
  i32.eqz
  return
  block (result i32 i32)
  global.get $g
  global.get $g
  i32.mul
  block $v2 (result i32)
  local.get $a
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  if (result i32)
  i32.const 253
  else
  local.get $a
  end
  i32.const 1020
  i32.and
  i32.const 3
  local.get $x
  local.get $a
  i32.xor
  i32.const 3
  i32.and
  call $rec
  i32.store
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  global.get $g
  local.get $b
  i32.shr_u
  i32.const 0
  memory.fill
  nop
  block $b1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  br_if $b1
  end
  nop
  block (result i32 i32)
  local.get $x
  local.get $x
  local.get $x
  select
  i32.const 7
  local.get $b
  i32.const 4
  call_indirect (type $t)
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $a
  local.get $a
  i32.rotl
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $x
  block $b2
  nop
  end
  local.get $a
  local.get $a
  i32.or
  if (result i32)
  memory.size
  else
  block $v3 (result i32)
  local.get $x
  i32.const 125
  br_if $v3
  i32.const 7
  i32.add
  end
  end))
