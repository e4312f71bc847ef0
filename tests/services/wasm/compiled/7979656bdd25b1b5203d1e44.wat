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
  local.get $x
  global.get $g
  i32.sub
  return
  block $v1 (result i32)
  global.get $g
  local.get $b
  local.get $b
  select
  local.get $b
  i32.const 254
  i32.sub
  br_if $v1
  i32.const 7
  i32.add
  end
  global.set $g
  local.get $b
  global.get $g
  i32.const 1
  call_indirect (type $t)
  i32.const 1023
  i32.and
  local.get $b
  local.get $x
  i32.or
  i32.const 11
  memory.fill
  local.get $b
  i32.const 83
  i32.const 1
  call_indirect (type $t)
  if $i2
  global.get $g
  local.get $a
  i32.xor
  i32.const 511
  i32.and
  i32.const 52
  local.get $a
  local.get $b
  select
  i32.const 511
  i32.and
  i32.const 103
  memory.copy
  else
  block $b3
  local.get $b
  if (result i32)
  local.get $a
  else
  local.get $b
  end
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  end
  end
  i32.const 279
  i32.eqz
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.add
  local.set $x
  i32.const 3
  block $v4 (result i32)
  local.get $b
  i32.const 77
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  call $rec)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 3
  i32.const 51
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  call $rec
  local.set $x
  local.get $a
  i32.const 189
  i32.or
  local.get $a
  local.get $b
  i32.shr_u
  local.get $a
  i32.eqz
  select)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  global.get $g
  global.get $g
  call $f3
  i32.const 1020
  i32.and
  i32.const 122
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  if (result i32)
  block (result i32 i32)
  local.get $a
  i32.const 200
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  else
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.store
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  i32.const 56
  i32.const 3
  call_indirect (type $t)
  local.get $a
  global.get $g
  i32.xor
  i32.shl
  local.set $a
  global.get $g
  i32.eqz
  local.get $a
  local.get $x
  call $f4
  i32.const 4
  call_indirect (type $t)
  global.set $g
  global.get $g
  i32.const 67
  i32.shl
  i32.const 1020
  i32.and
  i32.const 135
  local.get $x
  i32.const 3
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.load
  i32.store
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 136
  local.get $b
  i32.sub
  i32.const 1020
  i32.and
  local.get $b
  global.get $g
  i32.const 3
  call_indirect (type $t)
  i32.const 297
  if (result i32)
  global.get $g
  else
  local.get $b
  end
  i32.rotl
  i32.store
  i32.const 129
  i32.const 1020
  i32.and
  i32.load
  if (result i32)
  i32.const 9
  global.get $g
  i32.rotl
  else
  i32.const 263
  i32.eqz
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block $v1 (result i32)
  local.get $a
  global.get $g
  i32.shr_u
  local.get $a
  local.get $x
  i32.xor
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  i32.const 288
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  local.get $a
  global.get $g
  i32.shl
  i32.sub)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $b
  local.get $x
  global.get $g
  select
  if $i1
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
  nop
  nop
  block $v4 (result i32)
  memory.size
  local.get $a
  local.get $a
  i32.shr_u
  br_if $v4
  i32.const 7
  i32.add
  end
  local.set $a
  br $l2
  end
  end
  end
  block $b5
  local.get $a
  local.get $a
  i32.or
  br_if $b5
  block $v6 (result i32)
  global.get $g
  local.get $b
  br_if $v6
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 126
  local.get $a
  i32.shr_u
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  end
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.eqz))
