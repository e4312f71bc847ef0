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
  nop
  local.get $x
  local.get $b
  i32.xor
  i32.const 1020
  i32.and
  i32.load
  global.set $g
  nop
  end
  nop
  block (result i32 i32)
  local.get $b
  i32.const 72
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1023
  i32.and
  local.get $a
  i32.const 76
  local.get $x
  select
  i32.const 199
  memory.fill
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.shl)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $b1
  global.get $g
  local.get $x
  i32.shl
  i32.const 1020
  i32.and
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  local.get $x
  i32.const 268
  call $f3
  i32.const 4
  call_indirect (type $t)
  i32.store
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.const 511
  i32.and
  block (result i32 i32)
  local.get $x
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 277
  memory.copy
  block $v2 (result i32)
  i32.const 103
  local.get $x
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  global.get $g
  local.get $x
  i32.sub
  local.get $a
  global.get $g
  local.get $a
  select
  i32.add
  i32.store
  end
  block $v3 (result i32)
  local.get $x
  local.get $x
  br_if $v3
  i32.const 7
  i32.add
  end
  local.get $x
  local.get $a
  call $f2
  local.get $a
  global.get $g
  i32.and
  select
  global.set $g
  nop
  block $b4
  br $b4
  end
  block $b5
  global.get $g
  if (result i32)
  i32.const 299
  else
  i32.const 47
  end
  i32.const 1023
  i32.and
  global.get $g
  local.get $x
  i32.const 4
  call_indirect (type $t)
  i32.const 111
  memory.fill
  global.get $g
  local.get $x
  call $f3
  br_if $b5
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  global.get $g
  local.get $x
  i32.and
  block $v6 (result i32)
  local.get $a
  local.get $a
  br_if $v6
  i32.const 7
  i32.add
  end
  select
  global.set $g
  local.get $x
  i32.eqz
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1
  i32.or
  i32.div_u
  local.set $a
  end
  i32.const 184
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  local.get $a
  local.get $b
  i32.const 3
  call_indirect (type $t)
  i32.and)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  block (result i32 i32)
  local.get $a
  i32.const 47
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  i32.sub)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  i32.const 22
  local.get $x
  local.get $x
  select
  if $i1
  i32.const 12
  local.get $x
  i32.const 4
  call_indirect (type $t)
  br_if $i1
  i32.const 2
  local.set $c1
  block $w3
  loop $l2
  local.get $c1
  i32.const 0
  i32.le_s
  br_if $w3
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  br $l2
  end
  end
  local.get $x
  i32.eqz
  i32.const 511
  i32.and
  global.get $g
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  i32.const 511
  i32.and
  i32.const 18
  memory.copy
  local.get $a
  i32.const 239
  i32.rotl
  i32.const 511
  i32.and
  local.get $b
  global.get $g
  local.get $x
  select
  i32.const 511
  i32.and
  i32.const 278
  memory.copy
  else
  i32.const 3
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 3
  i32.and
  call $rec
  local.set $x
  i32.const 215
  local.get $a
  i32.const 4
  call_indirect (type $t)
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $a
  end
  i32.rotl
  global.set $g
  end
  nop
  local.get $a
  local.get $a
  i32.mul
  local.get $b
  global.get $g
  i32.shl
  i32.const 1
  i32.or
  i32.div_u
  local.set $x
  nop
  i32.const 264
  i32.eqz
  global.get $g
  local.get $a
  local.get $b
  select
  i32.add)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  if (result i32)
  i32.const 258
  else
  local.get $x
  end
  local.get $a
  global.get $g
  i32.shl
  i32.and
  local.set $a
  nop
  local.get $a
  i32.const 60
  i32.const 1
  i32.or
  i32.div_u
  local.get $a
  local.get $b
  i32.add
  i32.or))
