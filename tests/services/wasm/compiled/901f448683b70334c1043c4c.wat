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
  block $b1
  block $b2
  local.get $a
  i32.eqz
  i32.const 511
  i32.and
  block $v3 (result i32)
  local.get $x
  i32.const 182
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 511
  i32.and
  i32.const 49
  memory.copy
  global.get $g
  local.get $a
  call $f1
  return
  nop
  end
  local.get $a
  local.get $x
  i32.mul
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.or
  local.set $x
  block (result i32 i32)
  i32.const 61
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  br_table $b1
  end
  i32.const 130
  i32.const 228
  i32.rotl
  i32.const 1023
  i32.and
  local.get $x
  global.get $g
  i32.const 1
  call_indirect (type $t)
  i32.const 25
  memory.fill
  global.get $g
  local.get $a
  i32.const 127
  select
  block $v4 (result i32)
  local.get $b
  local.get $b
  br_if $v4
  i32.const 7
  i32.add
  end
  local.get $a
  local.get $b
  i32.add
  select
  local.set $x
  nop
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.load)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 1
  memory.grow
  global.set $g
  block $v1 (result i32)
  i32.const 262
  i32.const 136
  local.get $b
  select
  local.get $x
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  local.get $x
  global.get $g
  i32.add
  local.get $a
  if (result i32)
  local.get $x
  else
  local.get $b
  end
  i32.const 4
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  global.get $g
  i32.add
  i32.const 1020
  i32.and
  i32.const 232
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  local.get $a
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  select
  i32.store
  i32.const 0
  memory.grow
  global.set $g
  block $b1
  local.get $b
  i32.const 273
  i32.shl
  i32.const 1023
  i32.and
  local.get $b
  if (result i32)
  local.get $a
  else
  i32.const 221
  end
  i32.const 136
  memory.fill
  local.get $b
  i32.eqz
  if $i2
  nop
  end
  end
  nop
  local.get $x
  local.get $a
  i32.sub
  global.get $g
  local.get $a
  global.get $g
  select
  call $f3
  local.set $x
  local.get $b
  i32.eqz
  block $v3 (result i32)
  global.get $g
  local.get $a
  br_if $v3
  i32.const 7
  i32.add
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 1
  memory.grow
  global.set $g
  i32.const 294
  local.get $b
  i32.or
  i32.const 1020
  i32.and
  local.get $x
  local.get $x
  call $f4
  local.get $a
  local.get $a
  i32.const 261
  select
  call $f4
  i32.store
  block $v1 (result i32)
  global.get $g
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  return
  block
  nop
  end
  block (result i32 i32)
  i32.const 176
  local.get $b
  i32.and
  local.get $b
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
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
  nop
  block $b3
  local.get $b
  i32.const 131
  i32.xor
  br_if $b3
  memory.size
  local.set $x
  i32.const 3
  local.get $b
  i32.eqz
  i32.const 3
  i32.and
  call $rec
  global.set $g
  local.get $x
  global.get $g
  local.get $x
  select
  i32.const 3
  i32.and
  br_table $b3 $b3 $w2
  end
  br $l1
  end
  end
  local.get $x
  global.get $g
  i32.xor
  i32.const 1020
  i32.and
  i32.load))
