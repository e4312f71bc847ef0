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
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  local.get $a
  i32.eqz
  if $i2
  i32.const 14
  i32.const 136
  i32.const 138
  select
  local.get $x
  i32.const 142
  i32.const 1
  i32.or
  i32.div_u
  i32.and
  local.set $a
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  block $v3 (result i32)
  local.get $b
  i32.const 163
  br_if $v3
  i32.const 7
  i32.add
  end
  local.get $a
  local.get $b
  i32.shr_u
  i32.const 2
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block (result i32 i32)
  local.get $a
  local.get $b
  local.get $b
  select
  global.get $g
  local.get $x
  i32.const 3
  call_indirect (type $t)
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $x
  local.get $a
  if (result i32)
  local.get $x
  else
  i32.const 233
  end
  i32.const 1023
  i32.and
  local.get $x
  local.get $a
  i32.sub
  i32.const 142
  memory.fill
  block $v1 (result i32)
  i32.const 273
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $b
  global.get $g
  i32.or
  call $f3)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  i32.const 1
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  block $v2 (result i32)
  i32.const 3
  i32.const 117
  i32.const 3
  i32.and
  call $rec
  global.get $g
  i32.eqz
  br_if $v2
  i32.const 7
  i32.add
  end
  local.set $a
  i32.const 3
  local.get $a
  i32.eqz
  i32.const 3
  i32.and
  call $rec
  global.set $g
  block $b3
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
  br $b3
  block $b4
  i32.const 264
  local.get $x
  call $f4
  if $i5
  global.get $g
  global.get $g
  i32.and
  global.set $g
  end
  global.get $g
  global.get $g
  i32.shl
  global.get $g
  i32.eqz
  i32.or
  local.set $a
  local.get $a
  global.get $g
  i32.rotl
  br_if $b3
  global.get $g
  i32.eqz
  br_if $b4
  end
  end
  global.get $g
  local.get $b
  i32.rotl
  if $i6
  block $b7
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  i32.store
  i32.const 121
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.eqz
  local.set $a
  i32.const 180
  i32.const 70
  i32.sub
  i32.eqz
  local.set $x
  end
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  local.get $a
  local.get $b
  i32.add
  i32.const 34
  memory.fill
  block $b8
  nop
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  br_table $i6 $i6 $i6
  block (result i32 i32)
  local.get $x
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i9
  i32.const 157
  i32.const 108
  global.get $g
  select
  drop
  local.get $b
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  global.set $g
  end
  end
  end
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  global.get $g
  if $i10
  local.get $a
  global.get $g
  local.get $b
  select
  i32.const 511
  i32.and
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 125
  memory.copy
  br $i10
  loop
  br 0
  end
  i32.const 3
  local.set $c2
  loop $l11
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  global.get $g
  call $f4
  local.set $x
  local.get $a
  global.set $g
  local.get $x
  local.set $x
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l11
  end
  else
  local.get $x
  drop
  local.get $b
  drop
  i32.const 27
  drop
  i32.const 232
  local.set $x
  end
  local.get $b
  drop
  local.get $a
  drop
  i32.const 4
  drop
  i32.const 101)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  block $v1 (result i32)
  global.get $g
  i32.eqz
  memory.size
  br_if $v1
  i32.const 7
  i32.add
  end))
