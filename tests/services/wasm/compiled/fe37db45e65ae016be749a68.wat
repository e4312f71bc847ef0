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
  i32.const 123
  i32.const 1
  i32.or
  i32.div_u
  i32.const 13
  global.get $g
  i32.shl
  i32.rotl
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  global.get $g
  if (result i32)
  i32.const 211
  else
  i32.const 79
  end
  i32.mul)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $b
  i32.const 256
  i32.const 1
  i32.or
  i32.div_u
  i32.const 258
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.shl
  global.set $g
  nop
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1
  i32.or
  i32.div_u)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 1
  memory.grow
  global.set $g
  nop
  i32.const 1
  memory.grow
  global.set $g
  nop
  i32.const 3
  i32.const 80
  i32.const 3
  i32.and
  call $rec
  local.get $x
  i32.eqz
  i32.const 1
  i32.or
  i32.div_u)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  global.get $g
  i32.eqz
  i32.const 511
  i32.and
  local.get $x
  local.get $b
  call $f4
  i32.const 511
  i32.and
  i32.const 54
  memory.copy
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
  i32.load
  global.set $g
  local.get $b
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 1020
  i32.and
  block $v1 (result i32)
  local.get $a
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $a
  local.get $a
  i32.sub
  local.get $a
  local.get $x
  i32.mul
  select
  i32.store
  i32.const 3
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
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  local.get $a
  i32.const 171
  i32.sub
  i32.const 73
  memory.fill
  br $l2
  end
  end
  local.get $x
  if (result i32)
  i32.const 224
  else
  local.get $x
  end
  global.get $g
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 1
  i32.or
  i32.div_u)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  i32.const 260
  i32.shl
  i32.const 1020
  i32.and
  memory.size
  if (result i32)
  local.get $x
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  else
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  end
  i32.store
  block $b1
  local.get $b
  global.get $g
  i32.xor
  br_if $b1
  end
  local.get $a
  local.get $a
  i32.xor
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  i32.shl
  local.set $a
  global.get $g
  local.get $a
  i32.rotl
  block $v2 (result i32)
  local.get $b
  local.get $a
  br_if $v2
  i32.const 7
  i32.add
  end
  i32.add
  local.set $x
  memory.size))
