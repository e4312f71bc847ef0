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
  nop
  local.get $a
  local.get $x
  i32.xor
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 171
  memory.copy
  block (result i32 i32)
  local.get $a
  i32.const 107
  i32.and
  i32.const 73
  global.get $g
  i32.shr_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  global.get $g
  i32.const 211
  i32.const 2
  call_indirect (type $t)
  return
  block
  nop
  end
  i32.const -2
  local.get $b
  i32.shr_u
  i32.eqz
  local.set $x
  global.get $g
  i32.eqz
  i32.eqz)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $a
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $a
  i32.const 227
  i32.sub
  i32.shr_u
  global.set $g
  block $v2 (result i32)
  global.get $g
  local.get $a
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 199
  global.get $g
  call $f3
  i32.rotl
  global.set $g
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  local.get $a
  i32.add
  i32.shl
  local.set $x
  nop
  nop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  local.get $x
  call $f3
  i32.shl)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  block $v1 (result i32)
  global.get $g
  i32.const 125
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $b
  global.get $g
  local.get $x
  select
  select
  local.set $x
  i32.const 1
  memory.grow
  global.set $g
  block $b2
  global.get $g
  local.get $b
  i32.shl
  br_if $b2
  i32.const 2
  local.set $c1
  loop $l3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $a
  local.get $x
  i32.and
  i32.const 511
  i32.and
  local.get $x
  local.get $b
  i32.rotl
  i32.const 511
  i32.and
  i32.const 241
  memory.copy
  local.get $b
  global.get $g
  i32.add
  if $i4
  block $b5
  local.get $x
  global.get $g
  call $f4
  local.set $x
  i32.const 21
  i32.const 166
  i32.const 4
  call_indirect (type $t)
  local.set $x
  global.get $g
  global.get $g
  i32.sub
  local.set $x
  local.get $b
  local.get $a
  i32.xor
  global.set $g
  end
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  global.get $g
  i32.eqz
  i32.const 160
  memory.fill
  block (result i32 i32)
  local.get $b
  i32.const 100
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $a
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.shr_u
  global.set $g
  nop
  else
  i32.const 1
  local.set $c2
  block $w7
  loop $l6
  local.get $c2
  i32.const 0
  i32.le_s
  br_if $w7
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  br $l6
  end
  end
  block $v8 (result i32)
  local.get $x
  i32.const 99
  br_if $v8
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  local.get $a
  local.get $a
  i32.add
  local.get $b
  i32.const 1020
  i32.and
  i32.load
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
  i32.store
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  return
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  block $v9 (result i32)
  local.get $x
  local.get $a
  br_if $v9
  i32.const 7
  i32.add
  end
  i32.const 88
  memory.fill
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  local.get $b
  i32.eqz
  if $i10
  br $b2
  loop
  br 0
  end
  local.get $b
  local.get $b
  i32.shl
  return
  i32.const 3
  local.get $a
  local.get $a
  local.get $b
  select
  i32.const 3
  i32.and
  call $rec
  global.set $g
  i32.const 260
  local.get $b
  i32.or
  i32.const 3
  i32.and
  br_table $i10 $b2 $b2
  i32.const 1
  drop
  end
  i32.const 283
  i32.eqz
  i32.const 511
  i32.and
  local.get $a
  i32.const 70
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 21
  memory.copy
  end
  nop
  nop
  block (result i32 i32)
  local.get $x
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  global.get $g
  global.get $g
  i32.and
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.add
  local.set $a
  block $v1 (result i32)
  global.get $g
  i32.const 74
  i32.xor
  i32.const 204
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $x
  nop
  i32.const 209
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  memory.size
  i32.xor))
