"""English messages. Keys are stable codes; every key here must exist in es.py too."""

MESSAGES = {
    # reading the file
    "file_not_found": "no such file",
    "file_is_directory": "this is a directory, not a spec file",
    "file_unreadable": "cannot read the file: {reason}",
    "file_binary": "this is a binary file, not a YAML spec",
    "file_not_utf8": "the file is not UTF-8 text (first bad byte here); save it as UTF-8",
    "file_empty": "the file is empty; a spec needs at least `name`, `input` and `layers`",
    "yaml_syntax": "not valid YAML: {problem}",
    "yaml_tab": "a tab character is used for indentation; YAML indents with spaces only",
    "yaml_too_deep": "nesting deeper than {limit} levels",
    "yaml_too_large": "more than {limit} values once aliases are expanded (an alias bomb?)",
    "yaml_many_documents": "a second YAML document starts here; a spec file holds one",
    "yaml_complex_key": "a key must be a plain word",
    "yaml_merge_key": "YAML merge keys (<<) are not supported; use a block with parameters instead",
    "yaml_duplicate_key": "the key '{key}' appears twice in this mapping",
    "yaml_leading_zero": "'{text}' has a leading zero (YAML 1.1 would read it as octal); write {suggestion}",
    "did_you_mean": " (did you mean '{name}'?)",
    "rounding_floor": "down (floor)",
    "rounding_ceil": "up (ceil_mode)",
    # the spec's structure
    "spec_not_mapping": "a spec is a mapping with the keys name, input and layers",
    "unknown_key": "unknown key '{key}' for {what}{hint}; valid keys: {valid}",
    "missing_key": "{what} needs '{key}'",
    "invalid_value": "{what}: '{field}' is not valid: {problem}; got {value}{expected}",
    "unknown_type": "unknown layer type '{kind}'{hint}; `convcalc layers` lists them",
    "entry_form": "a layer is a type name (- relu) or a mapping (- conv2d: {{filters: 6, kernel: 5}}), not a {got}",
    "entry_keys": "a layer entry needs `type:` or exactly one key naming its type; found: {keys}",
    "entry_body": "the fields of {kind} go in a mapping: - {kind}: {{...}}",
    "duplicate_key_in_entry": "'{key}' is given both inside and beside the layer's fields",
    "bad_name": "'{name}' is not a usable layer name: use letters, digits, _, - and dots between parts "
                "('input' is reserved)",
    "bad_inputs": "`inputs` is a list of earlier layer names, e.g. inputs: [conv1, pool2]",
    "bad_count": "`{key}` must be a whole number >= {minimum}, got {value}",
    "too_many_layers": "more than {limit} layers after expanding blocks and repeats",
    "duplicate_name": "the name '{name}' is already used (line {first}); names must be unique",
    "unknown_input": "`inputs` names '{name}', which is not a layer above this one{hint}",
    "forward_input": "`inputs` names '{name}', defined below (line {line}): inputs must come from layers above, "
                     "so the graph has no cycle",
    "input_count": "{kind} takes {expected} input(s), got {received}",
    "block_recursion": "block '{block}' uses itself ({chain})",
    "block_inputs": "a block takes one input; '{block}' got {received}",
    "unknown_block_param": "block '{block}' has no parameter '{key}'{hint}; its parameters: {valid}",
    "missing_block_param": "block '{block}' needs a value for '{key}'",
    "bad_reference": "cannot evaluate '{text}': {problem}; parameters here: {valid}",
    "unknown_symbol": "--set names '{name}', which is not a symbol of this spec (symbols: {known})",
    "bad_symbol_value": "--set {name}={value}: sizes must be >= 1",
    # inconsistencies found by the analysis
    "in_block": "{message} (in {block})",
    "at_layer": "{layer}: {message}",
    "wrong_rank": "expects an input with {expected} spatial axes, got {received}",
    "window_too_large": "the window ({span}) is larger than the padded input along {axis} ({size} + {pad} = "
                        "{padded}); use a smaller kernel or dilation, more padding, or a larger input",
    "input_smaller_than_kernel": "the input ({size}) is smaller than the kernel ({kernel}) along {axis}, which "
                                 "PyTorch's 3D average pooling refuses even with padding",
    "output_below_one": "the output size along {axis} would be {size}; it must be at least 1",
    "in_channels_mismatch": "declares in_channels {declared} but receives {received} channels; "
                            "fix in_channels or the layer before",
    "in_features_mismatch": "declares in_features {declared} but flatten gives {received}; "
                            "set in_features to {received}, or change the input size or the layers before",
    "groups_mismatch": "{channels} input channels cannot be split into {groups} groups; "
                       "use a number of groups that divides the channels",
    "dense_needs_flat": "a dense layer needs a flat vector but receives shape {shape}; add a flatten "
                        "(or a global pooling) before it",
    "merge_rank_mismatch": "branches of different ranks cannot be joined: {shapes}",
    "merge_shape_mismatch": "branch shapes differ on axis {axis}: {first} vs {other}; make the branches' "
                            "padding and strides agree, or project the shortcut",
    "concat_axis": "axis {axis} does not exist in a tensor with {rank} axes",
    "crop_too_large": "cannot crop {size} to the reference size {target} along {axis}",
    "inexact_division": "along {axis}, (W - F + 2P)/S = {numerator}/{stride} is not a whole number; "
                        "PyTorch rounds it {rounding}, so the size is {result}",
    "inexact_division_strict": "along {axis}, (W - F + 2P)/S = {numerator}/{stride} is not a whole number "
                               "(strict mode requires exact divisions; PyTorch would round it {rounding} to {result})",
    "no_valid_size": "no input size satisfies this layer: it needs {condition}",
    "condition_unsolved": "could not solve the condition {condition}; check it by hand or give sizes with --set",
    # conditions
    "cond_none": "no value of {name}",
    "cond_any": "any {name}",
    "cond_in": "{name} in {{{values}}}",
    "cond_at_least": "{name} >= {value}",
    "cond_divisible": "{subject} divisible by {divisor}",
    "cond_residues": "{name} mod {divisor} in {{{values}}}",
    "cond_and": " and ",
    "cond_or": " or ",
    "cond_or_also": "{text}, or {name} in {{{values}}}",
    # output
    "col_layer": "layer",
    "col_type": "type",
    "col_shape": "output shape",
    "col_params": "params",
    "col_macs": "MACs",
    "col_memory": "memory",
    "col_rf": "receptive field",
    "input_line": "input {shape} ({layout}), batch {batch}, {dtype}",
    "total_params": "Parameters",
    "params_plain": "{params}",
    "params_split": "{params}, plus {non_trainable} non-trainable values (BatchNorm running statistics: buffers in PyTorch, which Keras adds to its total: {both})",
    "total_macs": "MACs",
    "total_flops": "FLOPs",
    "total_param_memory": "Parameter memory",
    "total_activations": "Activations (all layers)",
    "total_peak": "Peak inference memory",
    "peak_symbolic": "depends on which layer dominates; give sizes with --set",
    "total_training": "Training memory estimate",
    "valid_sizes": "Valid input sizes",
    "conditions": "Conditions by layer",
    "condition_line": "{condition}  ({layer}, line {line})",
    "warnings": "Warnings",
    "errors": "Errors",
    "conventions": "Conventions",
    "conv_macs": "MACs: multiply-accumulates of weighted sums (conv, transposed conv, dense), bias additions "
                 "excluded, as fvcore and PyTorch's FlopCounterMode count them",
    "conv_flops": "FLOPs: 2 x MACs plus each layer's element-wise work, per the rules below",
    "conv_memory": "memory: activations = output elements x batch x dtype bytes; peak inference = parameters "
                   "+ the most activations alive at once (each freed after its last reader, no in-place "
                   "operations); training = parameters + gradients + {optimizer} state + every activation "
                   "kept for the backward pass",
}
