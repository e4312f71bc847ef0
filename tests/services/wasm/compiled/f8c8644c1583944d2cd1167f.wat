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
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  local.get $b
  if (result i32)
  local.get $a
  else
  i32.const 161
  end
  else
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  end
  i32.store
  local.get $b
  i32.eqz
  if $i1
  local.get $x
  i32.eqz
  if $i2
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  if $i3
  local.get $b
  i32.const 202
  i32.const 1
  i32.or
  i32.div_u
  br_if $i1
  nop
  i32.const 150
  i32.const 1020
  i32.and
  i32.load
  br_if $i2
  else
  block $b4
  block (result i32 i32)
  local.get $b
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $x
  global.get $g
  local.get $a
  i32.const 98
  select
  global.set $g
  global.get $g
  global.get $g
  call $f3
  local.set $x
  global.get $g
  if (result i32)
  local.get $b
  else
  i32.const 42
  end
  global.set $g
  end
  global.get $g
  local.get $b
  call $f1
  if $i5
  local.get $a
  global.get $g
  i32.const 1
  call_indirect (type $t)
  global.set $g
  global.get $g
  local.get $x
  i32.shl
  drop
  block $v6 (result i32)
  local.get $b
  local.get $x
  br_if $v6
  i32.const 7
  i32.add
  end
  drop
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  global.set $g
  end
  i32.const 258
  global.get $g
  i32.rotl
  i32.const 511
  i32.and
  i32.const -1
  global.get $g
  i32.shl
  i32.const 511
  i32.and
  i32.const 245
  memory.copy
  nop
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  br_if $i1
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  i32.and
  br_table $i1 $i1
  block
  nop
  end
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  local.get $a
  local.get $x
  i32.sub
  i32.or
  local.set $a
  else
  nop
  block $v7 (result i32)
  i32.const 203
  i32.const 204
  br_if $v7
  i32.const 7
  i32.add
  end
  i32.const 1023
  i32.and
  block $v8 (result i32)
  local.get $x
  local.get $a
  br_if $v8
  i32.const 7
  i32.add
  end
  i32.const 144
  memory.fill
  local.get $b
  i32.eqz
  br_if $i2
  end
  block $b9
  i32.const 128
  i32.const 233
  i32.const 3
  call_indirect (type $t)
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.sub
  local.set $a
  br $i1
  i32.const 1
  drop
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  br_if $b9
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 5
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  i32.const 101
  memory.fill
  end
  nop
  end
  block $b10
  local.get $b
  local.set $x
  local.get $x
  local.set $x
  global.get $g
  drop
  end
  local.get $b)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 250
  i32.const 119
  i32.and
  i32.const 511
  i32.and
  i32.const 26
  if (result i32)
  i32.const 174
  else
  i32.const 23
  end
  i32.const 511
  i32.and
  i32.const 232
  memory.copy
  nop
  nop
  block (result i32 i32)
  i32.const 261
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  global.get $g
  i32.sub
  i32.rotl
  local.set $x
  local.get $b
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  global.get $g
  local.get $x
  i32.shl
  i32.and)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  global.get $g
  i32.const 181
  i32.const 1
  i32.or
  i32.div_u
  if $i1
  br $i1
  block
  nop
  end
  local.get $a
  if (result i32)
  local.get $b
  else
  local.get $x
  end
  if $i2
  local.get $a
  global.get $g
  i32.and
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  end
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  select
  global.set $g
  local.get $x
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  if $i3
  local.get $a
  local.get $b
  call $f4
  i32.const 150
  i32.const 159
  i32.const 1
  i32.or
  i32.div_u
  i32.or
  global.set $g
  end
  end
  local.get $b
  i32.eqz
  i32.const 1020
  i32.and
  block (result i32 i32)
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  nop
  global.get $g
  i32.eqz
  block $v4 (result i32)
  local.get $x
  local.get $x
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.xor)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  block $v1 (result i32)
  global.get $g
  i32.const 18
  local.get $a
  select
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  i32.const 176
  memory.copy
  local.get $a
  i32.const -2
  i32.mul
  if $i2
  i32.const 30
  global.get $g
  i32.or
  i32.const 3
  i32.and
  br_table $i2 $i2 $i2
  loop
  br 0
  end
  nop
  nop
  i32.const 2
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
  block $v5 (result i32)
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 162
  local.get $a
  i32.const 4
  call_indirect (type $t)
  br_if $v5
  i32.const 7
  i32.add
  end
  local.set $a
  local.get $x
  i32.eqz
  i32.const 3
  i32.and
  br_table $i2 $i2
  local.get $a
  global.get $g
  local.get $x
  select
  i32.const 511
  i32.and
  local.get $a
  i32.const 39
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 284
  memory.copy
  br $l3
  end
  end
  end
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 64
  i32.const 1020
  i32.and
  i32.load
  i32.const 157
  memory.fill
  local.get $b
  local.get $b
  global.get $g
  select
  i32.const 19
  local.get $b
  local.get $x
  select
  i32.shr_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 16
  local.get $x
  i32.mul
  i32.const 133
  local.get $x
  i32.sub
  local.get $a
  local.get $x
  i32.or
  select
  local.set $a
  nop
  i32.const 0
  memory.grow
  global.set $g
  nop
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 114
  local.get $a
  i32.mul
  i32.const 67
  memory.fill
  block (result i32 i32)
  memory.size
  i32.const 121
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
