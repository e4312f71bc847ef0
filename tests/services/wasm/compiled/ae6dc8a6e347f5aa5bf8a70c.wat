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
  nop
  block $v1 (result i32)
  local.get $a
  i32.eqz
  block (result i32 i32)
  local.get $x
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
  local.get $x
  i32.eqz
  i32.const 1020
  i32.and
  i32.const 179
  local.get $b
  i32.const 3
  call_indirect (type $t)
  local.get $b
  local.get $a
  call $f4
  i32.const 1
  i32.or
  i32.div_u
  i32.store
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1020
  i32.and
  global.get $g
  i32.eqz
  global.get $g
  local.get $a
  i32.const 291
  select
  i32.or
  i32.store
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  local.get $b
  local.get $a
  i32.xor
  if $i2
  i32.const 0
  memory.grow
  global.set $g
  nop
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  i32.const 3
  i32.and
  br_table $i2 $i2 $i2
  else
  block (result i32 i32)
  i32.const 264
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
  i32.const 81
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  if (result i32)
  global.get $g
  i32.eqz
  else
  i32.const 208
  local.get $x
  global.get $g
  select
  end
  i32.store
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $i2
  block $b3
  global.get $g
  local.get $x
  i32.or
  br_if $b3
  nop
  local.get $b
  i32.eqz
  br_if $b3
  block (result i32 i32)
  local.get $a
  local.get $a
  call $f3
  local.get $x
  local.get $a
  i32.rotl
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  end
  nop
  end
  nop
  i32.const 3
  local.get $b
  i32.const 101
  call $f3
  i32.const 3
  i32.and
  call $rec)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  i32.const 76
  i32.const 1020
  i32.and
  i32.load
  return
  unreachable
  nop
  nop
  i32.const 244
  local.get $b
  call $f4
  block (result i32 i32)
  global.get $g
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  i32.eqz
  select)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $x
  global.get $g
  i32.mul
  local.get $a
  local.get $x
  call $f4
  br_if $v1
  i32.const 7
  i32.add
  end
  global.set $g
  global.get $g
  local.get $a
  local.get $b
  select
  i32.const 511
  i32.and
  local.get $b
  i32.const 175
  i32.rotl
  i32.const 511
  i32.and
  i32.const 23
  memory.copy
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
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
  i32.const 58
  memory.copy
  i32.const 3
  local.get $a
  local.get $x
  i32.add
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  i32.const 1023
  i32.and
  global.get $g
  if (result i32)
  local.get $a
  else
  local.get $a
  end
  i32.const 69
  memory.fill
  nop
  nop
  block (result i32 i32)
  local.get $a
  i32.const 1020
  i32.and
  i32.load
  memory.size
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
