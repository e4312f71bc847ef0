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
  local.get $x
  call $f2
  i32.const 1020
  i32.and
  local.get $x
  local.get $x
  i32.shl
  i32.const 1020
  i32.and
  i32.load
  i32.store
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  i32.load
  local.set $x
  local.get $a
  global.get $g
  call $f3
  i32.const 1020
  i32.and
  global.get $g
  global.get $g
  i32.and
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.shl
  i32.store
  nop
  local.get $b
  local.get $b
  i32.const 2
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block (result i32 i32)
  i32.const 48
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  i32.const 56
  i32.const 1020
  i32.and
  i32.load
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  if (result i32)
  i32.const 214
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  else
  local.get $a
  global.get $g
  i32.shr_u
  end)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  block $b1
  block $v2 (result i32)
  global.get $g
  local.get $x
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 3
  i32.and
  br_table $b1 $b1
  global.get $g
  global.get $g
  i32.sub
  global.get $g
  if (result i32)
  local.get $b
  else
  local.get $x
  end
  i32.sub
  local.set $x
  block $b3
  local.get $a
  i32.eqz
  i32.const 511
  i32.and
  local.get $a
  local.get $b
  i32.add
  i32.const 511
  i32.and
  i32.const 196
  memory.copy
  i32.const 130
  local.get $a
  i32.add
  i32.const 3
  i32.and
  br_table $b1 $b3 $b3
  unreachable
  end
  global.get $g
  i32.eqz
  i32.const 160
  i32.const 128
  i32.const 3
  call_indirect (type $t)
  i32.and
  global.set $g
  end
  block $v4 (result i32)
  block (result i32 i32)
  local.get $x
  i32.const 253
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $a
  local.get $b
  global.get $g
  select
  br_if $v4
  i32.const 7
  i32.add
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  global.get $g
  i32.eqz
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  global.get $g
  i32.or
  i32.const 1020
  i32.and
  i32.load)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.eqz
  return
  loop
  br 0
  end
  i32.const 235
  i32.const 49
  i32.rotl
  i32.const 13
  local.get $a
  i32.mul
  i32.or
  local.set $x
  local.get $b
  local.get $a
  i32.shr_u
  i32.eqz
  local.set $x
  block $v1 (result i32)
  i32.const 154
  if (result i32)
  i32.const 202
  else
  local.get $x
  end
  block $v2 (result i32)
  local.get $b
  local.get $b
  br_if $v2
  i32.const 7
  i32.add
  end
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  i32.const 0
  memory.grow
  global.set $g
  memory.size))
