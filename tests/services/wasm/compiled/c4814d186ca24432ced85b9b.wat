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
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block $v1 (result i32)
  local.get $b
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 113
  i32.const 224
  i32.shl
  call $f2
  i32.store
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $x
  local.get $b
  i32.or
  i32.shl)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  local.get $x
  local.get $b
  i32.mul
  i32.const 511
  i32.and
  i32.const 192
  memory.copy
  block $v2 (result i32)
  global.get $g
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $b
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.shr_u
  local.set $x
  else
  br $i1
  br $i1
  i32.const 1
  drop
  local.get $b
  i32.const 9
  i32.or
  i32.const 3
  i32.and
  br_table $i1
  i32.const 1
  drop
  end
  local.get $x
  if (result i32)
  global.get $g
  else
  i32.const 19
  end
  i32.const 1020
  i32.and
  block $v3 (result i32)
  local.get $a
  local.get $b
  i32.xor
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.store
  nop
  local.get $x
  i32.const 246
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 65
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 4
  call_indirect (type $t)
  i32.store
  i32.const 1
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
  local.get $b
  local.get $b
  i32.shl
  if $i3
  local.get $b
  local.get $x
  i32.shr_u
  i32.const 3
  i32.and
  br_table $w2 $i3 $i3
  local.get $x
  i32.const 189
  i32.const 4
  call_indirect (type $t)
  return
  i32.const 1
  drop
  end
  br $l1
  end
  end
  local.get $x
  i32.const 272
  i32.xor
  i32.eqz)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $x
  end
  local.get $a
  global.get $g
  i32.xor
  i32.xor
  local.set $x
  nop
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  return
  loop
  br 0
  end
  nop
  block (result i32 i32)
  local.get $b
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  local.get $b
  global.get $g
  i32.add
  else
  global.get $g
  local.get $x
  i32.and
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  i32.const 1023
  i32.and
  i32.const 117
  i32.const 67
  i32.or
  i32.const 24
  memory.fill
  memory.size
  if $i1
  nop
  else
  nop
  memory.size
  br_if $i1
  i32.const 104
  global.get $g
  i32.const 19
  select
  i32.const 1023
  i32.and
  local.get $a
  local.get $x
  i32.and
  i32.const 27
  memory.fill
  end
  memory.size))
