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
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  local.get $x
  local.get $b
  global.get $g
  select
  i32.add
  local.set $x
  i32.const 0
  memory.grow
  global.set $g
  global.get $g
  i32.const 5
  i32.shl
  i32.const 1020
  i32.and
  local.get $a
  local.get $x
  i32.const 1
  call_indirect (type $t)
  block (result i32 i32)
  i32.const 83
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  nop
  block (result i32 i32)
  i32.const 155
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  i32.const 0
  memory.grow
  global.set $g
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  global.get $g
  i32.const 14
  i32.and
  i32.const 1020
  i32.and
  local.get $x
  i32.eqz
  i32.const 1020
  i32.and
  i32.load
  i32.store
  i32.const 142
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  local.get $a
  i32.eqz
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  call $f2
  i32.store
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  local.get $a
  global.get $g
  select
  i32.add)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  global.get $g
  local.get $x
  i32.const 3
  call_indirect (type $t)
  global.get $g
  local.get $a
  i32.sub
  i32.and
  local.set $a
  block (result i32 i32)
  local.get $a
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i1
  i32.const 279
  i32.const 81
  i32.rotl
  i32.const 3
  i32.and
  br_table $i1
  block
  nop
  end
  local.get $a
  local.get $x
  local.get $b
  select
  i32.const 1020
  i32.and
  block $v2 (result i32)
  local.get $a
  i32.const 117
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.load
  i32.store
  local.get $a
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.const 3
  i32.and
  br_table $i1 $i1
  local.get $a
  i32.const 167
  i32.rotl
  i32.const 511
  i32.and
  i32.const 115
  global.get $g
  i32.and
  i32.const 511
  i32.and
  i32.const 2
  memory.copy
  else
  block $b3
  local.get $x
  i32.const 69
  local.get $a
  select
  if $i4
  i32.const 3
  local.set $c1
  block $w6
  loop $l5
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w6
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  i32.const 240
  i32.rotl
  drop
  i32.const 264
  local.get $x
  call $f3
  local.set $x
  global.get $g
  local.get $a
  i32.shr_u
  drop
  local.get $x
  local.get $x
  local.get $x
  select
  global.set $g
  br $l5
  end
  end
  else
  i32.const 3
  i32.const 239
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  local.get $x
  i32.eqz
  i32.const 511
  i32.and
  i32.const 45
  memory.copy
  end
  i32.const 0
  memory.grow
  global.set $g
  local.get $x
  local.get $b
  i32.shr_u
  br_if $b3
  local.get $b
  i32.const 180
  i32.const 3
  call_indirect (type $t)
  local.get $b
  global.get $g
  i32.or
  i32.const 35
  i32.eqz
  select
  global.set $g
  end
  end
  local.get $x
  local.get $x
  i32.add
  i32.const 3
  i32.const 17
  i32.const 3
  i32.and
  call $rec
  i32.sub)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 157
  i32.const 108
  global.get $g
  select
  i32.or
  global.set $g
  nop
  nop
  i32.const 0
  memory.grow
  global.set $g
  local.get $a
  global.get $g
  local.get $b
  select
  local.get $x
  global.get $g
  i32.const 4
  call_indirect (type $t)
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  global.get $g
  i32.const 77
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $b
  local.get $a
  global.get $g
  select
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  i32.const 3
  i32.const 183
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 3
  if (result i32)
  i32.const 213
  else
  global.get $g
  end
  i32.const 48
  memory.fill
  block (result i32 i32)
  memory.size
  global.get $g
  global.get $g
  local.get $x
  select
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
