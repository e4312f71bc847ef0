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
  i32.const 3
  local.get $a
  if (result i32)
  local.get $a
  else
  global.get $g
  end
  i32.const 3
  i32.and
  call $rec
  local.set $x
  local.get $b
  local.get $b
  call $f1
  i32.const 1023
  i32.and
  local.get $b
  local.get $b
  local.get $b
  select
  i32.const 158
  memory.fill
  i32.const 0
  memory.grow
  global.set $g
  local.get $b
  local.get $b
  i32.mul
  local.get $b
  i32.eqz
  i32.rotl)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
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
  local.get $b
  local.get $a
  local.get $x
  select
  i32.const 3
  i32.and
  br_table $w2
  i32.const 1
  drop
  br $w2
  local.get $b
  if (result i32)
  local.get $x
  else
  local.get $x
  end
  i32.const 3
  i32.and
  br_table $w2 $w2
  i32.const 1
  drop
  i32.const 187
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 511
  i32.and
  i32.const 87
  local.get $a
  i32.xor
  i32.const 511
  i32.and
  i32.const 236
  memory.copy
  br $l1
  end
  end
  nop
  nop
  local.get $x
  local.get $a
  i32.shl
  local.get $x
  i32.const 257
  i32.or
  i32.const 3
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block (result i32 i32)
  local.get $x
  local.get $a
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.eqz
  global.set $g
  block $v1 (result i32)
  global.get $g
  local.get $a
  br_if $v1
  i32.const 7
  i32.add
  end
  global.get $g
  local.get $b
  i32.or
  i32.and)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
  local.get $a
  local.get $x
  i32.xor
  i32.const 511
  i32.and
  local.get $b
  local.get $a
  i32.mul
  i32.const 511
  i32.and
  i32.const 222
  memory.copy
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  return
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
  br $w2
  nop
  global.get $g
  local.get $b
  i32.shr_u
  i32.const 1023
  i32.and
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  i32.const 22
  memory.fill
  nop
  br $l1
  end
  end
  nop
  local.get $a
  local.get $x
  i32.const 4
  call_indirect (type $t)
  return
  block
  nop
  end
  i32.const 3
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  i32.const 3
  i32.and
  call $rec)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  i32.const 1
  memory.grow
  global.set $g
  nop
  block (result i32 i32)
  local.get $x
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  i32.const 166
  i32.const 67
  i32.const 1
  i32.or
  i32.div_u
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end))
