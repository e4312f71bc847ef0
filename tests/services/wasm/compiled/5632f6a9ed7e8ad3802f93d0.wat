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
  global.get $g
  local.get $a
  call $f3
  local.get $b
  local.get $a
  i32.shr_u
  i32.or)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local i64)
  local.get $a
  local.get $a
  i32.rotl
  if $i1
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 283
  i32.const 95
  i32.const 3
  call_indirect (type $t)
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $x
  i32.const 137
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 112
  memory.copy
  local.get $b
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 511
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 50
  memory.copy
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  nop
  block $v3 (result i32)
  local.get $a
  global.get $g
  br_if $v3
  i32.const 7
  i32.add
  end
  br_if $i1
  i32.const 3
  local.set $c2
  loop $l4
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 139
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  i32.const 511
  i32.and
  global.get $g
  i32.const 207
  i32.mul
  i32.const 511
  i32.and
  i32.const 223
  memory.copy
  block $b5
  i32.const 3
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  call $rec
  global.set $g
  block (result i32 i32)
  local.get $a
  i32.const 14
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  br_table $i1
  unreachable
  i32.const 2
  local.set $c3
  loop $l6
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  local.get $b
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  drop
  local.get $b
  i32.const 99
  i32.const 3
  call_indirect (type $t)
  local.set $x
  local.get $a
  i32.const 54
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l6
  end
  end
  global.get $g
  i32.const 145
  i32.const 2
  call_indirect (type $t)
  i32.eqz
  i32.eqz
  local.get $c2
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l4
  i32.const 3
  local.set $c4
  loop $l7
  local.get $c4
  i32.const 1
  i32.sub
  local.set $c4
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
  local.get $a
  global.get $g
  local.get $b
  select
  i32.const 511
  i32.and
  i32.const 87
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
  i32.const 1023
  i32.and
  global.get $g
  if (result i32)
  i32.const 108
  else
  global.get $g
  end
  i32.const 44
  memory.fill
  local.get $c4
  i32.const 0
  i32.gt_s
  br_if $l7
  end
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  end
  i32.const 1
  memory.grow
  global.set $g
  local.get $x
  i32.eqz
  local.get $b
  local.get $b
  i32.sub
  i32.and
  local.set $a
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  return
  block
  nop
  end
  nop
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  block (result i32 i32)
  local.get $b
  i32.const 295
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  call $f3)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $b
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  call_indirect (type $t)
  global.set $g
  local.get $x
  i32.eqz
  local.get $a
  local.get $x
  i32.const 4
  call_indirect (type $t)
  i32.sub)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  local.get $b
  local.get $b
  i32.xor
  if (result i32)
  global.get $g
  i32.const 267
  local.get $b
  select
  else
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  end
  global.set $g
  nop
  end
  nop
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  if $i2
  block $v3 (result i32)
  local.get $b
  local.get $b
  br_if $v3
  i32.const 7
  i32.add
  end
  br_if $i2
  nop
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i2
  end
  nop
  local.get $a
  i32.const 51
  i32.and
  global.get $g
  local.get $b
  i32.rotl
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.const 16
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  local.get $a
  i32.const 40
  i32.shl
  block $v1 (result i32)
  local.get $b
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $x
  i32.const 3
  i32.sub
  select
  i32.store
  nop
  nop
  memory.size
  i32.const 3
  i32.const -1
  i32.const 3
  i32.and
  call $rec
  i32.and))
