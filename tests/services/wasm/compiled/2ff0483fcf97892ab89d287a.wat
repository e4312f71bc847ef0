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
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  local.get $a
  local.get $x
  call $f4
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
  i32.const 1
  local.set $c1
  loop $l4
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $v5 (result i32)
  global.get $g
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  global.get $g
  local.get $b
  call $f4
  br_if $v5
  i32.const 7
  i32.add
  end
  local.set $a
  br $i1
  i32.const 1
  drop
  i32.const 163
  i32.const 81
  i32.xor
  i32.const 511
  i32.and
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 88
  memory.copy
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l4
  end
  end
  i32.const 42
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  br_table $i1 $i1
  else
  i32.const 1
  memory.grow
  global.set $g
  i32.const 0
  memory.grow
  global.set $g
  end
  i32.const 2
  local.set $c2
  loop $l6
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  i32.const 1
  memory.grow
  global.set $g
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l6
  end
  local.get $a
  local.get $a
  i32.add
  local.get $x
  local.get $a
  i32.add
  i32.shr_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  global.get $g
  i32.const 24
  local.get $b
  select
  i32.const 3
  i32.and
  call $rec
  global.set $g
  nop
  nop
  i32.const 273
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  local.get $a
  i32.and
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 60
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  i32.const 3
  local.get $a
  i32.eqz
  i32.const 3
  i32.and
  call $rec
  i32.store
  nop
  nop
  block (result i32 i32)
  local.get $x
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  i32.const 253
  i32.const 1
  i32.or
  i32.div_u
  i32.mul))
