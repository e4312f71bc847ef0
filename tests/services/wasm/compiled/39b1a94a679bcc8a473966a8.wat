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
  local.get $a
  global.get $g
  i32.const 3
  call_indirect (type $t)
  return
  loop
  br 0
  end
  nop
  nop
  local.get $a
  local.get $b
  i32.mul
  i32.const 1023
  i32.and
  block $v1 (result i32)
  i32.const 267
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 138
  memory.fill
  block $v2 (result i32)
  local.get $x
  local.get $a
  br_if $v2
  i32.const 7
  i32.add
  end
  global.get $g
  local.get $x
  call $f4
  i32.add)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 186
  if (result i32)
  global.get $g
  else
  local.get $a
  end
  return
  unreachable
  local.get $b
  i32.const 279
  i32.rotl
  return
  block
  nop
  end
  nop
  nop
  i32.const 289
  local.get $x
  i32.add
  local.get $a
  local.get $x
  i32.shr_u
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  if $i1
  block $v2 (result i32)
  local.get $a
  i32.const 283
  br_if $v2
  i32.const 7
  i32.add
  end
  br_if $i1
  block $b3
  nop
  local.get $x
  local.get $a
  i32.xor
  i32.const 1023
  i32.and
  local.get $x
  local.get $x
  i32.add
  i32.const 41
  memory.fill
  local.get $x
  global.get $g
  i32.sub
  i32.const 511
  i32.and
  local.get $b
  i32.const 110
  call $f3
  i32.const 511
  i32.and
  i32.const 135
  memory.copy
  i32.const 2
  local.set $c1
  block $w5
  loop $l4
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w5
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  global.get $g
  global.get $g
  call $f4
  i32.const 192
  memory.fill
  i32.const 223
  if (result i32)
  i32.const 65
  else
  global.get $g
  end
  if $i6
  local.get $b
  if (result i32)
  i32.const 181
  else
  i32.const 9
  end
  drop
  local.get $x
  local.get $b
  call $f4
  drop
  else
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  local.get $a
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  local.set $x
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  end
  i32.const 0
  memory.grow
  global.set $g
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i1 $i1
  unreachable
  br $l4
  end
  end
  end
  local.get $a
  local.get $a
  i32.shr_u
  i32.eqz
  global.set $g
  end
  global.get $g
  global.get $g
  call $f3
  if (result i32)
  local.get $a
  i32.const 91
  i32.and
  else
  local.get $x
  i32.eqz
  end
  global.set $g
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.load)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 60
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 4
  call_indirect (type $t)
  local.set $a
  local.get $b
  global.get $g
  i32.and
  if (result i32)
  block (result i32 i32)
  global.get $g
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  else
  i32.const 253
  local.get $x
  i32.sub
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 1
  memory.grow
  global.set $g
  block $b1
  i32.const 3
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  local.get $b
  i32.const 213
  i32.or
  i32.const 3
  i32.and
  br_table $b1 $b1
  loop
  br 0
  end
  block $b3
  local.get $b
  i32.eqz
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  global.get $g
  global.get $g
  i32.sub
  return
  loop
  br 0
  end
  local.get $a
  local.get $x
  i32.shr_u
  br_if $b1
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  br $b1
  block
  nop
  end
  end
  nop
  i32.const 3
  i32.const 161
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  memory.size
  i32.const 161
  memory.fill
  block $b4
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  local.get $x
  global.get $g
  i32.and
  global.get $g
  local.get $x
  i32.add
  i32.add
  i32.store
  block (result i32 i32)
  global.get $g
  i32.const 211
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  i32.eqz
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  local.get $b
  local.get $b
  i32.xor
  i32.const 511
  i32.and
  memory.size
  i32.const 511
  i32.and
  i32.const 194
  memory.copy
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  else
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  end
  local.set $x
  end
  memory.size
  global.get $g
  global.get $g
  local.get $b
  select
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  select))
