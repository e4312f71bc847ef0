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
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $b2
  i32.const 1
  local.set $c2
  loop $l3
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block $v4 (result i32)
  local.get $a
  local.get $b
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  call $f2
  local.set $x
  i32.const 3
  global.get $g
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 3
  i32.and
  call $rec
  local.set $a
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  nop
  end
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  local.get $x
  i32.const 224
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 69
  memory.copy
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 0
  memory.grow
  global.set $g
  nop
  local.get $x
  local.get $x
  i32.shr_u
  global.get $g
  i32.eqz
  i32.mul)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  nop
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  if $i1
  block $b2
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 72
  memory.copy
  end
  nop
  i32.const 1
  memory.grow
  global.set $g
  else
  i32.const 186
  i32.const 65
  i32.xor
  br_if $i1
  nop
  global.get $g
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  if $i3
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  i32.const 79
  i32.sub
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  else
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  if (result i32)
  local.get $x
  global.get $g
  call $f2
  else
  i32.const 132
  i32.eqz
  end
  global.set $g
  local.get $a
  local.get $x
  call $f3
  if (result i32)
  i32.const 249
  i32.const 267
  i32.shr_u
  else
  local.get $x
  global.get $g
  i32.rotl
  end
  global.set $g
  i32.const 3
  local.set $c1
  loop $l4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block (result i32 i32)
  local.get $x
  i32.const 212
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $i3
  local.get $x
  local.get $b
  i32.const 2
  call_indirect (type $t)
  br_if $i3
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  nop
  end
  local.get $b
  global.get $g
  i32.rotl
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  end
  block $b5
  local.get $b
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.add
  local.set $a
  block $b6
  nop
  end
  end
  i32.const 174
  local.get $b
  i32.add
  i32.const 511
  i32.and
  i32.const 80
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 127
  memory.copy
  i32.const 3
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  return
  unreachable
  i32.const 0
  memory.grow
  global.set $g
  i32.const 22
  local.get $a
  i32.const 65
  select
  i32.const 1020
  i32.and
  i32.load)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 71
  i32.eqz
  i32.const 1023
  i32.and
  local.get $a
  i32.eqz
  i32.const 95
  memory.fill
  local.get $a
  local.get $x
  i32.sub
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.sub
  local.set $x
  nop
  global.get $g
  local.get $b
  global.get $g
  select
  i32.const 1023
  i32.and
  i32.const -4
  i32.eqz
  i32.const 7
  memory.fill
  local.get $b
  i32.eqz
  global.get $g
  global.get $g
  i32.shl
  call $f4)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $b1
  i32.const 0
  memory.grow
  global.set $g
  block $v2 (result i32)
  local.get $b
  i32.const 9
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  i32.const 241
  local.get $b
  i32.sub
  i32.const 1
  memory.fill
  block $b3
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  if (result i32)
  local.get $a
  local.get $a
  i32.mul
  else
  local.get $a
  i32.eqz
  end
  global.set $g
  memory.size
  i32.const 511
  i32.and
  global.get $g
  i32.eqz
  i32.const 511
  i32.and
  i32.const 11
  memory.copy
  i32.const 156
  local.get $a
  i32.shr_u
  i32.const 1020
  i32.and
  memory.size
  i32.store
  end
  br $b1
  loop
  br 0
  end
  end
  nop
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  block (result i32 i32)
  local.get $b
  i32.const 140
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.sub
  local.set $a
  block $b4
  i32.const 1
  local.set $c1
  loop $l5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  memory.size
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l5
  end
  memory.size
  local.set $a
  end
  i32.const 290
  i32.const 250
  global.get $g
  select
  i32.const 222
  local.get $x
  i32.shl
  i32.const 1
  i32.or
  i32.div_u))
