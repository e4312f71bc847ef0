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
  nop
  i32.const 3
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
  i32.const 31
  local.get $x
  i32.add
  br_if $w2
  local.get $x
  local.get $a
  i32.and
  i32.const 511
  i32.and
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 71
  memory.copy
  br $l1
  end
  end
  nop
  nop
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  if (result i32)
  local.get $x
  i32.const 224
  i32.const 1
  i32.or
  i32.div_u
  else
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 2
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
  i32.const 129
  if (result i32)
  global.get $g
  else
  i32.const 61
  end
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  nop
  local.get $b
  global.get $g
  i32.shr_u
  br_if $w2
  br $l1
  end
  end
  local.get $a
  local.get $b
  i32.shr_u
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 188
  memory.fill
  nop
  i32.const 3
  i32.const 186
  i32.const 3
  i32.and
  call $rec
  return
  unreachable
  nop
  block $v3 (result i32)
  i32.const 103
  if (result i32)
  i32.const 16
  else
  local.get $a
  end
  i32.const 293
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  br_if $v3
  i32.const 7
  i32.add
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  if $i1
  local.get $a
  i32.const 214
  i32.rotl
  i32.const 1020
  i32.and
  local.get $a
  if (result i32)
  local.get $a
  else
  local.get $x
  end
  local.get $x
  i32.const 132
  i32.sub
  i32.const 3
  call_indirect (type $t)
  i32.store
  nop
  end
  nop
  nop
  block $b2
  nop
  global.get $g
  i32.eqz
  br_if $b2
  i32.const 3
  local.set $c1
  block $w4
  loop $l3
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  i32.eqz
  if $i5
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $x
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 179
  memory.copy
  global.get $g
  local.get $a
  i32.sub
  i32.const 511
  i32.and
  local.get $x
  global.get $g
  i32.const 3
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 246
  memory.copy
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1023
  i32.and
  local.get $a
  local.get $x
  i32.mul
  i32.const 55
  memory.fill
  else
  local.get $x
  global.get $g
  i32.shl
  i32.const 3
  i32.and
  br_table $w4
  i32.const 80
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  br_table $b2
  unreachable
  local.get $x
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if (result i32)
  local.get $b
  global.get $g
  i32.xor
  else
  i32.const 196
  i32.const 1020
  i32.and
  i32.load
  end
  local.set $x
  i32.const 65
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.rotl
  local.set $a
  end
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
  local.get $b
  global.get $g
  local.get $a
  select
  i32.const 3
  i32.and
  br_table $w4 $w4
  block
  nop
  end
  local.get $x
  local.get $b
  i32.shr_u
  br_if $w4
  br $l3
  end
  end
  global.get $g
  i32.eqz
  i32.const 511
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 99
  memory.copy
  end
  block $v6 (result i32)
  local.get $b
  i32.const 9
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 241
  local.get $b
  i32.sub
  i32.const 4
  call_indirect (type $t))
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
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
  global.get $g
  i32.const 6
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  local.get $x
  i32.const 266
  i32.add
  i32.const 511
  i32.and
  i32.const 292
  memory.copy
  i32.const 1
  memory.grow
  global.set $g
  end
  nop
  global.get $g
  i32.const 115
  i32.add
  i32.const 1020
  i32.and
  i32.load)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 1
  memory.grow
  global.set $g
  i32.const 3
  local.get $b
  i32.const 140
  i32.sub
  i32.const 3
  i32.and
  call $rec))
