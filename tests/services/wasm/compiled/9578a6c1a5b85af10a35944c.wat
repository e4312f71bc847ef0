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
(func $f1 (export "f1") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local i64)
  i32.const 2
  local.set $c1
  loop $l1
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $x
  i32.eqz
  i32.const 1023
  i32.and
  local.get $b
  local.get $a
  local.get $x
  select
  i32.const 154
  memory.fill
  block (result i32 i32)
  local.get $a
  local.get $x
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
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l1
  end
  nop
  i32.const 3
  local.set $c2
  loop $l2
  local.get $c2
  i32.const 1
  i32.sub
  local.set $c2
  nop
  i32.const 2
  local.set $c3
  loop $l3
  local.get $c3
  i32.const 1
  i32.sub
  local.set $c3
  block $v4 (result i32)
  global.get $g
  i32.const 4
  br_if $v4
  i32.const 7
  i32.add
  end
  i32.eqz
  i32.eqz
  local.get $c2
  i32.const 0
  i32.gt_s
  i32.and
  br_if $l2
  local.get $c3
  i32.const 0
  i32.gt_s
  br_if $l3
  end
  nop
  i32.const 87
  local.get $a
  i32.xor
  if (result i32)
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  else
  local.get $x
  local.get $a
  call $f3
  end
  global.set $g
  local.get $c2
  i32.const 0
  i32.gt_s
  br_if $l2
  end
  i32.const 3
  local.get $a
  i32.const 3
  i32.and
  call $rec
  local.get $b
  i32.const 169
  local.get $b
  select
  i32.const 3
  call_indirect (type $t))
(func $f2 (export "f2") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32) (local $c1 i32) (local i64)
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
  block $b1
  nop
  i32.const 2
  local.set $c1
  loop $l2
  local.get $c1
  i32.const 1
  i32.sub
  local.set $c1
  local.get $b
  local.get $x
  call $f4
  i32.const 1020
  i32.and
  i32.load
  local.set $a
  local.get $c1
  i32.const 0
  i32.gt_s
  br_if $l2
  end
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
  end
  i32.const 3
  local.get $x
  i32.const 3
  i32.and
  call $rec
  return
  i32.const 3
  i32.const 81
  i32.const 3
  i32.and
  call $rec
  i32.const 1020
  i32.and
  i32.load)
(func $f3 (export "f3") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  nop
  nop
  nop
  nop
  nop
  local.get $a
  i32.const 188
  global.get $g
  select
  if (result i32)
  i32.const 3
  local.get $b
  i32.const 3
  i32.and
  call $rec
  else
  local.get $x
  i32.const 258
  i32.rotl
  end)
(func $f4 (export "f4") (type $t) (param $a i32) (param $b i32) (result i32) (local $x i32)  (local i64)
  memory.size
  local.set $a
  memory.size
  local.set $a
  nop
  nop
  i32.const 3
  local.get $x
  if (result i32)
  local.get $b
  else
  local.get $a
  end
  i32.const 3
  i32.and
  call $rec))
