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
  i32.const 3
  global.get $g
  local.get $a
  i32.shl
  i32.const 3
  i32.and
  call $rec
  local.set $a
  nop
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.const 172
  i32.eqz
  i32.const 74
  local.get $a
  i32.or
  i32.and
  i32.store
  local.get $x
  global.get $g
  i32.or
  global.get $g
  local.get $b
  i32.mul
  i32.const 4
  call_indirect (type $t)
  global.set $g
  block $v1 (result i32)
  global.get $g
  local.get $b
  i32.const 52
  select
  block (result i32 i32)
  global.get $g
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  block $v3 (result i32)
  i32.const 226
  i32.const 286
  br_if $v3
  i32.const 7
  i32.add
  end
  if $i1
  local.get $a
  global.get $g
  i32.const 3
  call_indirect (type $t)
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  local.get $b
  select
  i32.const 59
  memory.fill
  i32.const 2
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 294
  global.get $g
  call $f2
  i32.const 3
  i32.and
  br_table $i1
  loop
  br 0
  end
  local.get $x
  local.get $x
  i32.mul
  i32.const 3
  i32.and
  br_table $i1 $i1 $i1
  loop
  br 0
  end
  br $i1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  else
  i32.const 55
  i32.eqz
  i32.const 38
  i32.eqz
  i32.shr_u
  local.set $x
  local.get $x
  if (result i32)
  local.get $b
  else
  global.get $g
  end
  br_if $i1
  br $i1
  block
  nop
  end
  end
  global.get $g
  global.get $g
  i32.mul
  if (result i32)
  global.get $g
  i32.const 200
  i32.and
  else
  global.get $g
  local.get $b
  i32.shl
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 1
  memory.grow
  global.set $g
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $a
  global.get $g
  i32.shr_u
  local.get $x
  if (result i32)
  i32.const 120
  else
  local.get $x
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  global.get $g
  i32.eqz
  local.get $a
  local.get $a
  call $f4
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  i32.const 3
  i32.const 44
  i32.const 3
  i32.and
  call $rec
  i32.const 1023
  i32.and
  i32.const 217
  i32.eqz
  i32.const 9
  memory.fill
  local.get $a
  local.get $x
  i32.const 4
  call_indirect (type $t)
  block $v1 (result i32)
  local.get $a
  i32.const 117
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.shl)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  global.get $g
  i32.mul
  if $i1
  local.get $b
  local.get $b
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block $v2 (result i32)
  local.get $b
  local.get $a
  br_if $v2
  i32.const 7
  i32.add
  end
  local.get $b
  i32.eqz
  i32.or
  i32.store
  global.get $g
  i32.const 131
  call $f4
  i32.const 3
  i32.and
  br_table $i1 $i1
  block
  nop
  end
  nop
  else
  global.get $g
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  br_if $i1
  nop
  end
  nop
  nop
  block $b3
  global.get $g
  local.get $x
  i32.rotl
  i32.const 1023
  i32.and
  global.get $g
  i32.const 105
  i32.sub
  i32.const 45
  memory.fill
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  local.get $x
  local.get $x
  i32.add
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  nop
  end
  local.get $b
  i32.const 69
  i32.mul
  local.get $x
  local.get $b
  local.get $a
  select
  i32.shl)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  global.get $g
  i32.rotl
  i32.const 1020
  i32.and
  i32.const 3
  i32.const 2
  i32.const 3
  i32.and
  call $rec
  if (result i32)
  local.get $x
  local.get $a
  i32.add
  else
  memory.size
  end
  i32.store
  block (result i32 i32)
  i32.const 177
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if $i1
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  memory.size
  memory.size
  select
  global.set $g
  else
  nop
  end
  i32.const 212
  i32.eqz
  if (result i32)
  i32.const 216
  global.get $g
  i32.xor
  else
  local.get $a
  local.get $a
  i32.shl
  end
  global.set $g
  block $b2
  block $v3 (result i32)
  local.get $a
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  br_if $b2
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 209
  i32.and
  select
  i32.store
  end
  local.get $x
  local.get $b
  i32.shl
  i32.const 3
  i32.const 193
  i32.const 3
  i32.and
  call $rec
  i32.or))
