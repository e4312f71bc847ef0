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
  nop
  local.get $x
  i32.const 14
  i32.sub
  if $i1
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  local.set $a
  else
  i32.const 1
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 3
  i32.const 31
  i32.const 3
  i32.and
  call $rec
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  i32.const 1
  memory.grow
  global.set $g
  i32.const 3
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  call $rec
  local.set $x
  br $i1
  unreachable
  end
  i32.const 1
  local.set $c2
  loop $l3
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  block $b4
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.sub
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  local.get $b
  local.get $x
  i32.rotl
  return
  end
  i32.const 245
  local.get $x
  i32.or
  i32.eqz
  i32.eqz
  local.get $c2
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l3
  local.get $x
  i32.const 125
  i32.const 1
  i32.or
  i32.div_u
  block $v5 (result i32)
  local.get $x
  global.get $g
  br_if $v5
  i32.const 7
  i32.add
  end
  local.get $a
  i32.eqz
  select
  global.set $g
  i32.const 239
  local.get $a
  i32.add
  i32.eqz
  global.set $g
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  nop
  block $v6 (result i32)
  local.get $a
  global.get $g
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 0
  memory.grow
  global.set $g
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  global.get $g
  local.get $x
  i32.shl
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  nop
  local.get $x
  local.get $b
  i32.shr_u
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.xor
  global.set $g
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  nop
  block (result i32 i32)
  local.get $x
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  i32.const 99
  local.get $x
  i32.const 3
  call_indirect (type $t)
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  i32.const 235
  local.get $b
  i32.shl
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.shl
  local.set $x
  i32.const 79
  local.get $b
  i32.shr_u
  i32.const 292
  global.get $g
  i32.add
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $x
  global.get $g
  i32.or
  if $i1
  i32.const 1
  memory.grow
  global.set $g
  else
  block $v2 (result i32)
  local.get $b
  local.get $x
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  local.get $b
  global.get $g
  i32.shr_u
  i32.const 86
  memory.fill
  i32.const 32
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  i32.const 245
  i32.const 3
  call_indirect (type $t)
  i32.sub
  local.set $a
  end
  i32.const 3
  i32.const 167
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  i32.and
  i32.const 124
  memory.fill
  i32.const 108
  i32.const 1020
  i32.and
  i32.load
  block $v3 (result i32)
  local.get $b
  local.get $x
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.sub)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  local.get $b
  i32.eqz
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $a
  global.get $g
  call $f4
  i32.const 1020
  i32.and
  i32.const 3
  local.get $a
  local.get $b
  i32.xor
  i32.const 3
  i32.and
  call $rec
  i32.store
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $a
  local.get $a
  call $f4
  i32.const 511
  i32.and
  i32.const 43
  memory.copy
  nop
  block (result i32 i32)
  local.get $a
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $x
  local.get $x
  i32.add
  i32.const 4
  call_indirect (type $t))
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  memory.size
  local.set $x
  local.get $b
  local.get $b
  i32.add
  return
  loop
  br 0
  end
  block $v1 (result i32)
  local.get $a
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  nop
  nop
  memory.size
  global.get $g
  local.get $b
  global.get $g
  select
  i32.shl))
