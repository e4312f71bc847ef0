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
  global.get $g
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  block $b1
  i32.const 0
  memory.grow
  global.set $g
  end
  nop
  global.get $g
  i32.const 173
  i32.sub
  local.get $b
  local.get $x
  i32.const 214
  select
  i32.sub
  global.set $g
  block (result i32 i32)
  local.get $a
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  local.get $x
  local.get $a
  i32.shl
  block $v1 (result i32)
  local.get $x
  i32.const 86
  br_if $v1
  i32.const 7
  i32.add
  end
  call $f2)
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  i32.const 1
  memory.grow
  global.set $g
  local.get $a
  global.get $g
  i32.and
  i32.const 124
  if (result i32)
  local.get $b
  else
  local.get $b
  end
  call $f4)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.const 511
  i32.and
  i32.const 148
  global.get $g
  global.get $g
  select
  i32.const 511
  i32.and
  i32.const 191
  memory.copy
  nop
  block $b1
  i32.const 166
  i32.const 11
  i32.rotl
  i32.const 3
  i32.and
  br_table $b1 $b1 $b1
  loop
  br 0
  end
  block $v2 (result i32)
  local.get $b
  if (result i32)
  global.get $g
  else
  local.get $x
  end
  local.get $b
  if (result i32)
  global.get $g
  else
  local.get $a
  end
  br_if $v2
  i32.const 7
  i32.add
  end
  global.set $g
  end
  nop
  i32.const 3
  global.get $g
  global.get $g
  i32.add
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  local.get $b
  local.get $x
  i32.add
  i32.const 511
  i32.and
  local.get $a
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 51
  memory.copy
  nop
  nop
  block $v1 (result i32)
  local.get $a
  local.get $x
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.const 1020
  i32.and
  i32.load))
