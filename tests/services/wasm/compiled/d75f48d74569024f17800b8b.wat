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
(func $f0 (export "f0") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local i64)
  i32.const 3
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  i32.const 1
  local.set $c2
  loop $l2
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  block $v3 (result i32)
  local.get $a
  global.get $g
  i32.const 2
  call_indirect (type $t)
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  br_if $v3
  i32.const 7
  i32.add
  end
  global.set $g
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  nop
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  i32.const 1
  memory.grow
  global.set $g
  nop
  block (result i32 i32)
  local.get $x
  local.get $a
  i32.const 3
  call_indirect (type $t)
  local.get $b
  local.get $x
  call $f3
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.set $g
  i32.const 120
  global.get $g
  i32.and
  i32.eqz
  local.set $a
  i32.const 42
  local.get $b
  i32.mul
  local.get $b
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  call $f3)
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  block (result i32 i32)
  local.get $x
  local.get $b
  i32.shl
  global.get $g
  global.get $g
  i32.or
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.set $a
  nop
  block $v1 (result i32)
  global.get $g
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  local.get $a
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  i32.const 2
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  i32.const 0
  memory.grow
  global.set $g
  global.get $g
  global.get $g
  i32.const 1
  i32.or
  i32.div_u
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  i32.shl
  local.set $x
  nop
  nop
  i32.const 27
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  return
  i32.const 1
  drop
  block $v1 (result i32)
  block (result i32 i32)
  global.get $g
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  global.get $g
  i32.eqz
  br_if $v1
  i32.const 7
  i32.add
  end)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  global.get $g
  local.get $b
  i32.xor
  i32.const 3
  i32.const 59
  i32.const 3
  i32.and
  call $rec
  block (result i32 i32)
  local.get $b
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  select
  local.set $x
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 7
  local.get $a
  i32.mul
  i32.or
  local.set $a
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.const 300
  i32.const 249
  i32.const 4
  call_indirect (type $t)
  block $v1 (result i32)
  local.get $x
  global.get $g
  br_if $v1
  i32.const 7
  i32.add
  end
  i32.shl
  i32.store
  block (result i32 i32)
  local.get $x
  local.get $b
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  local.get $b
  local.get $x
  call $f4
  i32.const 113
  i32.eqz
  select)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  local.get $x
  i32.eqz
  i32.const 1020
  i32.and
  local.get $b
  i32.const 187
  i32.shr_u
  if (result i32)
  global.get $g
  i32.const 1020
  i32.and
  i32.load
  else
  block $v1 (result i32)
  local.get $a
  local.get $b
  br_if $v1
  i32.const 7
  i32.add
  end
  end
  i32.store
  local.get $x
  i32.const 300
  i32.and
  if $i2
  global.get $g
  i32.eqz
  block (result i32 i32)
  local.get $b
  local.get $x
  end
  i32.add
  block (param i32) (result i32)
  i32.const 3
  i32.mul
  end
  i32.xor
  local.set $a
  nop
  end
  i32.const 111
  local.get $x
  i32.const 1
  i32.or
  i32.div_u
  local.get $x
  global.get $g
  i32.or
  i32.shr_u))
