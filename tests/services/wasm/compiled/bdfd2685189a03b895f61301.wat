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
  nop
  block (result i32 i32)
  local.get $x
  global.get $g
  call $f2
  local.get $a
  if (result i32)
  global.get $g
  else
  i32.const 153
  end
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block $v1 (result i32)
  local.get $x
  i32.const 1020
  i32.and
  i32.load
  local.get $b
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  br_if $v1
  i32.const 7
  i32.add
  end
  local.set $a
  nop
  global.get $g
  i32.eqz
  if $i2
  i32.const 119
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  return
  end
  local.get $a
  i32.const 181
  i32.sub
  i32.const 1023
  i32.and
  local.get $a
  local.get $x
  i32.add
  i32.const 14
  memory.fill
  local.get $b
  i32.eqz
  i32.const 511
  i32.and
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 234
  memory.copy
  i32.const 178
  if (result i32)
  global.get $g
  else
  global.get $g
  end
  i32.const 1020
  i32.and
  i32.load)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $x
  local.get $b
  i32.const 2
  select
  if (result i32)
  block (result i32 i32)
  local.get $x
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  else
  block $v1 (result i32)
  local.get $a
  i32.const 39
  br_if $v1
  i32.const 7
  i32.add
  end
  end
  global.set $g
  nop
  i32.const 211
  i32.eqz
  if (result i32)
  global.get $g
  global.get $g
  global.get $g
  select
  else
  local.get $b
  local.get $b
  i32.const 1
  i32.or
  i32.div_u
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  nop
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 183
  local.get $a
  i32.const 4
  call_indirect (type $t)
  i32.const 511
  i32.and
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 511
  i32.and
  i32.const 246
  memory.copy
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  local.get $b
  i32.const 1020
  i32.and
  i32.load
  i32.const 4
  call_indirect (type $t)
  local.set $x
  local.get $x
  local.get $x
  i32.and
  if $i2
  block (result i32 i32)
  global.get $g
  local.get $x
  i32.const 4
  call_indirect (type $t)
  global.get $g
  local.get $a
  i32.mul
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  else
  local.get $a
  local.get $a
  i32.const 1
  i32.or
  i32.div_u
  if $i3
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 1020
  i32.and
  global.get $g
  i32.const 143
  i32.const 4
  call_indirect (type $t)
  i32.const 162
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.sub
  i32.store
  br $i3
  else
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  global.get $g
  local.get $b
  i32.mul
  call $f4
  local.set $a
  i32.const 1
  memory.grow
  global.set $g
  end
  end
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.eqz
  i32.eqz
  local.get $c1
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l1
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 1
  memory.grow
  global.set $g
  nop
  block $v4 (result i32)
  local.get $a
  i32.eqz
  global.get $g
  i32.eqz
  br_if $v4
  i32.const 7
  i32.add
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 3
  global.get $g
  i32.const 3
  i32.and
  call $rec
  return
  local.get $b
  local.get $b
  i32.shl
  i32.const 1023
  i32.and
  i32.const 34
  i32.const 1020
  i32.and
  i32.load
  i32.const 127
  memory.fill
  memory.size
  local.get $x
  global.get $g
  i32.and
  i32.shl))
