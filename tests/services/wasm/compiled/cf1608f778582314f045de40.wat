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
  local.get $a
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $a
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 167
  memory.copy
  block $v1 (result i32)
  local.get $a
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.shl
  local.set $a
  i32.const 3
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  i32.and
  call $rec)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  br_if $b1
  local.get $x
  local.get $x
  i32.xor
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.sub
  global.set $g
  br $b1
  loop
  br 0
  end
  local.get $x
  i32.const 31
  i32.sub
  br_if $b1
  end
  block $b2
  nop
  block $b3
  local.get $b
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.shr_u
  i32.store
  end
  local.get $x
  global.get $g
  i32.const 2
  call_indirect (type $t)
  i32.const 3
  i32.and
  br_table $b2
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  local.get $b
  global.get $g
  i32.const 118
  select
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  end
  nop
  nop
  global.get $g
  local.get $b
  i32.shl
  i32.const 173
  global.get $g
  call $f4
  i32.mul)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.const 219
  local.get $a
  select
  i32.const 1020
  i32.and
  local.get $a
  global.get $g
  i32.mul
  i32.const 218
  if (result i32)
  local.get $x
  else
  global.get $g
  end
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  i32.const 261
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  local.get $b
  i32.const 296
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 245
  memory.copy
  local.get $b
  i32.eqz
  block $v1 (result i32)
  local.get $a
  i32.const 18
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 3
  call_indirect (type $t)
  global.set $g
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  block (result i32 i32)
  local.get $x
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  i32.const 35
  global.get $g
  i32.xor
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.store
  block (result i32 i32)
  global.get $g
  global.get $g
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
  i32.const 131
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  else
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  end
  i32.store
  i32.const 3
  global.get $g
  local.get $a
  i32.const 3
  call_indirect (type $t)
  i32.const 3
  i32.and
  call $rec)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  local.get $x
  local.get $b
  i32.shl
  if $i1
  i32.const 1
  memory.grow
  global.set $g
  nop
  local.get $x
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  br_if $i1
  end
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  block (result i32 i32)
  local.get $a
  i32.const 198
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 139
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  memory.size
  i32.const 1020
  i32.and
  memory.size
  i32.store
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.const 286
  i32.const 219
  i32.add
  i32.shl
  local.set $x
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  memory.size
  i32.const 1
  i32.or
  i32.div_u))
