"""English messages. Keys are stable codes; every key here must exist in es.py too."""

MESSAGES = {
    # reading the file
    "file_not_found": "no such file",
    "file_is_directory": "this is a directory, not a spec file",
    "file_unreadable": "cannot read the file: {reason}",
    "file_binary": "this is a binary file, not a YAML spec",
    "file_not_utf8": "the file is not UTF-8 text (first bad byte here); save it as UTF-8",
    "file_empty": "the file is empty; a spec needs at least `name`, `input` and `layers`",
    "file_not_regular": "this is {kind}, not a regular file (it may never end); give a file, or pass the text on standard input as `-`",
    "kind_fifo": "a named pipe (FIFO)",
    "kind_character_device": "a character device",
    "kind_block_device": "a block device",
    "kind_socket": "a socket",
    "kind_special": "a special file",
    "file_too_large": "the file is larger than {limit} (loading.MAX_BYTES), the most convcalc reads of a spec, answers or lock file",
    "file_bad_encoding": "the file is not valid {encoding} text (first bad byte here); save it as UTF-8",
    "file_control_character": "the control character {code} is not allowed in YAML; delete it, or write it as an escape in a double-quoted string",
    "file_yaml11_break": "the character {code} (NEL, LS or PS) is an ordinary character in YAML 1.2 but a line break to YAML 1.1 readers; delete it, or write it as \\N, \\L or \\P in a double-quoted string",
    "stdin_closed": "standard input is closed",
    "stdin_twice": "standard input can be read only once: give the spec or the answers as a file",
    "yaml_syntax": "not valid YAML: {problem}",
    "yaml_tab": "a tab character is used for indentation; YAML indents with spaces only",
    "yaml_too_deep": "nesting deeper than {limit} levels",
    "yaml_too_large": "more than {limit} values; a spec file holds at most that many",
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
    "same_field_twice": "'{key}' and '{other}' are two names of the same field of {what}: give only one",
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
    "bad_output_index": "'{name}' has {count} outputs, {name}.0 to {last}; there is no output {index}",
    "several_outputs": "'{name}' has {count} outputs: name the one this layer reads, {first} to {last}, "
                       "e.g. inputs: [{first}]",
    "unknown_input": "`inputs` names '{name}', which is not a layer above this one{hint}",
    "forward_input": "`inputs` names '{name}', defined below (line {line}): inputs must come from layers above, "
                     "so the graph has no cycle",
    "input_count": "{kind} takes {expected} input(s), got {received}",
    "block_recursion": "block '{block}' uses itself ({chain})",
    "block_depth": "block '{block}' is used {limit} blocks deep ({chain}), the most convcalc expands; write the inner layers out, or nest fewer blocks",
    "block_named_like_layer": "block '{block}' has the name of a layer type and would replace every '{block}' "
                              "layer of the spec; give the block another name",
    "block_inputs": "a block takes one input; '{block}' got {received}",
    "unknown_block_param": "block '{block}' has no parameter '{key}'{hint}; its parameters: {valid}",
    "missing_block_param": "block '{block}' needs a value for '{key}'",
    "bad_reference": "cannot evaluate '{text}': {problem}; parameters here: {valid}",
    "unknown_symbol": "--set names '{name}', which is not a symbol of this spec (symbols: {known})",
    "bad_symbol_value": "--set {name}={value}: sizes must be >= 1",
    # inconsistencies found by the analysis
    "in_block": "{message} (in {block}; the layer is written at line {line} of the block)",
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
    "needs_spatial": "needs a map with spatial axes, (C, H, W) or (C, L), but receives the vector {shape}",
    "output_size_range": "output_size {size} along {axis} cannot be reached: with this kernel, stride and padding "
                         "the output is {smallest} to {largest} (PyTorch's range for output_size)",
    "tensor_axis": "axis {axis} does not exist in a sample with {rank} axes: use 0 (channels) to {last}, "
                   "or -1 for the last",
    "split_sizes_sum": "the sizes {sizes} add up to {total}, but the axis has {size}; make them sum to {size}",
    "split_chunks_uneven": "{size} cannot be split into {chunks} equal chunks for every input size; "
                           "give sizes, or an input size divisible by {chunks}",
    "split_chunks_count": "torch.chunk splits {size} into chunks of {part}, which gives {count} outputs, "
                          "not {chunks}; give sizes instead",
    "slice_empty": "the slice [{start}:{end}:{step}] of an axis of size {size} keeps nothing",
    "slice_outside": "position {position} of the slice lies outside an axis of size {size}",
    "reshape_inexact": "{total} values cannot be reshaped to {shape}: {total} is not divisible by {known}",
    "reshape_count": "{total} values cannot be reshaped to {shape}, which holds {known}",
    "permute_dims": "dims {dims} is not an order of the sample's {rank} axes 0 to {last}",
    "reduce_repeated_axis": "the axes {axes} name one axis twice",
    "flatten_axes": "start_axis {start} to end_axis {end} is not a range of the sample's {rank} axes 0 to {last}",
    "unpool_mismatch": "the values {values} are not what a max pool of {source} gives ({pooled}); the second "
                       "input must be the tensor the max pool read, with its kernel, stride and padding",
    "concat_axis": "axis {axis} does not exist in a tensor with {rank} axes",
    "crop_too_large": "cannot crop {size} to the reference size {target} along {axis}",
    # resizing to a reference (layers.resize)
    "upsample_reference_inputs": "size: reference takes two inputs, the map to resize and the reference whose "
                                 "spatial size it takes (inputs: [x, reference]); got {received}",
    "upsample_second_input": "a second input gives upsampling its size only with size: reference (instead of "
                             "scale or a fixed size); got {received} inputs",
    "upsample_reference_note": "O_ref: the spatial size of the second input (the reference), with the channels "
                               "of the first",
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
    "total_outputs": "Outputs",
    "total_partial": "Partial totals",
    "partial_detail": "{done} of {layers} layers analysed: the figures below cover only those, not the network",
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
    # running
    "run_needs_sizes": "give every symbol a size to run the network: --set {symbols}",
    "run_too_large": "running may take up to {needed} at its peak (1.5 x the predicted {predicted} + 1 MiB, the bound verify holds the executor to), more than --max-memory {limit}; raise --max-memory or use --set for a smaller input",
    "unknown_weight": "{layer} has no parameter '{name}'; its parameters: {valid}",
    "weight_shape": "{name} must have shape {expected}, got {received}",
    "bad_weights": "`weights` maps parameter names to values, e.g. weights: {{weight: [[...]], bias: [0]}}",
    "npz_unreadable": "cannot read the array file: {reason}",
    "array_not_regular": "not a regular file: give an array file written by numpy.save or numpy.savez",
    "array_file_too_large": "the file is {size} bytes, more than the {limit} bytes this network's values can need (8 bytes a value, plus 1 MiB and 4 KiB an array: arrays.FILE_SLACK and MEMBER_SLACK)",
    "npy_not_npy": "{label} is not an .npy array (it does not start with NumPy's magic string); write it with numpy.save",
    "npy_is_npz": "this is an .npz archive: --input takes one .npy array (numpy.save), in the spec's layout",
    "npz_is_npy": "this is an .npy array: --weights takes an .npz archive (numpy.savez) of arrays keyed layer.parameter, as a PyTorch state_dict",
    "npz_not_zip": "not an .npz archive (it is not a zip file): --weights takes numpy.savez's archive of arrays keyed layer.parameter",
    "npy_version": "{label} is in .npy format version {version}; versions 1.0 and 2.0 are read",
    "npy_bad_header": "{label} has an .npy header that cannot be read (a dict with 'descr', 'fortran_order' and 'shape')",
    "array_dtype": "{label} holds {kind} ({dtype}); give real numbers (a float or integer dtype)",
    "kind_complex": "complex numbers, whose imaginary part would be lost",
    "kind_bool": "booleans",
    "kind_object": "Python objects, which would have to be unpickled (never done)",
    "kind_array_text": "text",
    "kind_structured": "structured records",
    "kind_time": "dates or times",
    "label_input": "the input",
    "label_key": "key '{key}'",
    "array_truncated": "{label} is cut short: its header announces {expected} bytes of values, the file holds {received}",
    "array_trailing": "{label} holds more bytes than its header announces",
    "array_not_finite": "{label} holds a value that is NaN, infinite or beyond the range of {dtype} (the dtype the network runs in) at index {index}; give finite numbers",
    "npz_duplicate": "key '{key}' is in the archive twice",
    "npz_member_too_large": "{label} is {size} bytes uncompressed, more than the {limit} bytes its shape can need (8 bytes a value + 4 KiB)",
    "npz_too_many": "the archive holds {count} entries, more than the {limit} this network can take (its arrays + arrays.EXTRA_ENTRIES)",
    "npz_bad_member": "{label} cannot be read from the archive (a damaged or unsupported zip entry)",
    "npz_unknown_key": "key '{key}' matches no parameter: {reason}",
    "npz_no_layer": "it names no layer of the network{hint}",
    "npz_written_in_spec": "key '{key}' is a parameter the spec already writes in its weights:",
    "npz_missing": "no values for {names}: with --weights every parameter not written in the spec needs one (keys layer.parameter, as a PyTorch state_dict)",
    "received_not_numbers": "values that are not all numbers (true, false and text are not)",
    "received_ragged": "a ragged list",
    "input_shape": "the input must have shape {expected} (one sample, in the spec's layout) or a batch of them; got {received}",
    "output_exists": "{path} exists; choose another file or add --force to replace it",
    "output_unwritable": "cannot write: {reason}",
    "output_symlink": "cannot write: it is a symbolic link, and convcalc never writes through one; remove it or choose another file",
    "reason_no_directory": "the directory does not exist",
    "reason_not_directory": "a part of the path is a file, not a directory",
    "reason_permission": "permission denied",
    "reason_read_only": "the file system is read-only",
    "reason_no_space": "no space left on the device",
    "reason_is_directory": "it is a directory",
    "reason_exists_not_directory": "it exists and is not a directory",
    "reason_names_directory": "the path ends with /, so it names a directory; give a file name",
    "reason_file_too_large": "the file would be larger than the system allows",
    "lock_needs_output": "this path names no file to write SPEC.lock.json beside; give the lock file with -o",
    "lock_stdin_needs_output": "a spec read from standard input gives no name for the lock file: give -o FILE",
    "run_title": "NumPy reference run, {dtype}",
    "col_macs_done": "MACs performed",
    "col_time": "ms",
    "output_of": "output of {name}",
    "output_summary": "min {min}, max {max}, mean {mean}, std {std}",
    "verify_title": "analysis against the NumPy executor, {dtype}",
    "verify_memory": "peak memory: measured {measured}, predicted {predicted}, allowed up to {limit} (1.5 x predicted + 1 MiB): {verdict}",
    "held": "holds",
    "not_held": "does NOT hold",
    "verify_ok": "every figure confirmed ({count} checks)",
    "verify_failed": "{count} figure(s) do not match",
    "verify_against": "against {executor}: output {output}, largest difference {difference} (tolerance {tolerance}): {verdict}",
    "verify_against_shape": "(its shape differs)",
    "expected_measured": "expected {expected}, measured {measured}",
    # explanations
    "unknown_layer": "there is no layer named '{name}'{hint}; layers: {valid}",
    "explain_layer": "{name} ({kind}, line {line})",
    "inexact_note": "not a whole number ({value}): PyTorch rounds {rounding}, giving {result}",
    "fig_shape": "output size",
    "fig_units": "units (output values)",
    "fig_params": "parameters",
    "fig_params_without_bias": "parameters without bias",
    "fig_macs": "MACs",
    "fig_flops": "FLOPs",
    "fig_memory": "activation memory",
    "fig_receptive_field": "receptive field",
    "fig_jump": "jump (effective stride)",
    "fig_values": "output values",
    "calc_answer": "{kind}: {given} -> {shape} · params {params} · MACs {macs} · memory {memory}",
    # checking answers
    "answers_form": "an answers file has `layers:` (figures per layer name), `totals:` and an optional `tolerance:`",
    "answers_tolerance": "tolerance '{value}' is not a number: write 1% or 0.01",
    "unknown_figure": "unknown figure '{figure}'{hint}; figures: {valid}",
    "answer_unreadable": "the answer for {figure} cannot be read: {problem}",
    "totals_word": "totals",
    "verdict_right": "{mark} {where} {figure}: {given} (line {line})",
    "verdict_wrong": "{mark} {where} {figure}: {given}, expected {expected} (line {line})",
    "likely": "likely slip",
    "check_summary": "{right} of {total} answers right",
    "mistake_bias_forgotten": "this is the count without the biases: each filter (or unit) adds one bias",
    "mistake_bias_counted": "this count includes the biases, which were not asked for",
    "mistake_depth_forgotten": "the input depth D was left out: each filter spans all D channels, F*F*D weights",
    "mistake_padding_once": "the padding was counted once; it is added on both sides: 2P",
    "mistake_ceil_for_floor": "rounded up; the formula (and PyTorch) rounds down (floor)",
    "mistake_floor_for_ceil": "rounded down; with ceil_mode the size rounds up",
    "mistake_flops_for_macs": "this is the FLOPs figure: a multiply-accumulate counts once in MACs, twice in FLOPs",
    "mistake_macs_for_flops": "this is the MACs figure: FLOPs count each multiply-accumulate twice",
    "mistake_layout_order": "the right sizes in the other order: channels first instead of last, or the reverse",
    "mistake_height_width_swapped": "height and width are swapped",
    "mistake_digits_swapped": "two neighbouring digits are swapped: a copying slip",
    "mistake_rounded": "the values were rounded: the exact result has decimals",
    "mistake_values_shape": "the values do not have the output's shape",
    "values_not_numbers": "write the values as numbers in nested lists, e.g. [[12, 12, 17], [10, 17, 19], [9, 6, 14]]",
    "values_ragged": "every row must have as many values as the others, e.g. [[12, 12, 17], [10, 17, 19], [9, 6, 14]]",
    "mistake_count_for_bytes": "this is the number of values; memory is values x bytes per value",
    "mistake_bytes_for_count": "this is the memory in bytes; units count values",
    "mistake_symbolic": "the figure depends on the input size: give sizes in the spec",
    # budgets, locks and diffs
    "budget_exceeded": "{figure} is {value}, over the budget of {limit} by {over}%",
    "budget_symbolic": "the {figure} budget cannot be checked while sizes are symbolic; give them with --set",
    "unknown_budget": "unknown budget '{figure}'{hint}; budgets: {valid}",
    "number_unreadable": "'{value}' is not a size or count: write e.g. 34944, 34,944, 1,5M, 25_000_000 or 200MiB (no exponents)",
    "number_digits": "'{value}' has more than {digits} digits; convcalc takes numbers up to 2**63",
    "number_too_large": "'{value}' is past the largest number convcalc takes, {limit}",
    "number_not_whole": "'{value}' is not a whole number",
    "number_too_small": "'{value}' is less than {low}",
    "number_in_file": "{problem}",
    "budget_unreadable": "the {figure} budget cannot be read: {problem}",
    "bad_assignment": "'{value}': write NAME=SIZE with a size from 1 to 2**63, e.g. H=224",
    "bad_threshold": "'{value}': write FIGURE:+N or FIGURE:+N% with FIGURE one of {figures}",
    "size_too_large": "{layer}: a size of {size} is past the largest size convcalc takes, {limit}",
    "field_too_large": "{layer}: its receptive field's {figure} is {value}, past the largest figure convcalc takes, {limit}",
    "field_left": "left edge",
    "field_right": "right edge",
    "field_jump": "jump",
    "git_failed": "cannot read this spec at git revision {revision}: {reason}",
    "git_not_a_commit": "no such commit",
    "git_revision_option": "'{revision}' cannot be a git revision: it starts with '-', which git would read as an option",
    "git_revision_empty": "--base needs a git revision, e.g. origin/main or HEAD~1",
    "diff_title": "{before} -> {after}",
    "diff_side": "{name} ({source})",
    "diff_side_absent": "nothing ({source} does not exist)",
    "diff_absent_twice": "the spec exists neither here nor in {revision}",
    "diff_figure": "figure",
    "diff_before": "before",
    "diff_after": "after",
    "diff_delta": "change",
    "diff_percent": "%",
    "diff_no_layer_change": "no layer changed",
    "diff_added": "added {name} ({kind}): {shape_after}, params {params}, MACs {macs}",
    "diff_removed": "removed {name} ({kind}): was {shape_before}, params {params}, MACs {macs}",
    "diff_changed": "changed {name} ({kind}): {shape_before} -> {shape_after}, params {params}, MACs {macs}",
    "diff_renamed": "renamed {old} -> {name} ({kind}): {shape_before} -> {shape_after}, params {params}, MACs {macs}",
    "diff_failed": "--fail-on {threshold} exceeded: {delta} ({percent})",
    # quizzes (convcalc quiz)
    "quiz_title": "Quiz: a small convolutional network (seed {seed})",
    "quiz_intro": "The network in quiz.yaml receives a {input} input (height x width x channels). Its layers run "
                  "in order: l1 receives the input and every other layer the output of the one before it.",
    "quiz_instructions": "Write your answers in a file answers.yaml in the answer key's format, for example "
                         "`layers: {{l1: {{output_shape: 28x28x6, params: 456}}}}` and `totals: {{params: 61706}}` "
                         "(sizes as HxWxC, numbers as plain integers), then run "
                         "`convcalc check quiz.yaml answers.yaml`.",
    "quiz_conv": "Layer {layer} is a convolution with {filters} filters of {kernel}x{kernel}, stride {stride} "
                 "and padding {padding}.",
    "quiz_conv_same": "Layer {layer} is a convolution with {filters} filters of {kernel}x{kernel}, stride {stride} "
                      "and padding 'same' (the output keeps the input's height and width).",
    "quiz_maxpool": "Layer {layer} is a max pooling layer with a {kernel}x{kernel} window, stride {stride} "
                    "and padding {padding}.",
    "quiz_avgpool": "Layer {layer} is an average pooling layer with a {kernel}x{kernel} window, stride {stride} "
                    "and padding {padding}.",
    "quiz_tconv": "Layer {layer} is a transposed convolution with {filters} filters of {kernel}x{kernel}, "
                  "stride {stride} and padding {padding}.",
    "quiz_flatten": "Layer {flatten} flattens the output of {source} into a vector.",
    "quiz_flatten_input": "Layer {flatten} flattens the network's input into a vector.",
    "quiz_dense": "Layer {layer} is a dense (fully connected) layer of {units} neurons.",
    "quiz_floor": "Here (W - F + 2P)/S is not a whole number: PyTorch rounds it down (floor).",
    "quiz_ask": "Give its output size (HxWxC) and its number of parameters.",
    "quiz_ask_macs": "Give its output size (HxWxC), its number of parameters and its MACs "
                     "(multiply-accumulates, bias additions excluded).",
    "quiz_ask_dense": "Give its output size (the number of values) and its number of parameters.",
    "quiz_total": "Finally, give the total number of parameters of the network.",
    "quiz_bad_topic": "unknown topic '{topic}'; topics: {valid} (a comma list, e.g. conv,pool,dense)",
    # added with the bad-spec corpus
    "yaml_alias_loop": "this value contains an alias to itself, so it would never end",
    "reference_outside_block": "'{text}' refers to a parameter, but this layer is not inside a block and the spec "
                               "has no `params:`; write the value, or declare the parameter",
    "train_only": "train only",
    "conv_mode_eval": "mode eval (the default; --mode train counts them): layers marked train_only hold their "
                      "parameters but do not run, so their MACs, FLOPs and activations are not in the totals",
    "conv_mode_train": "mode train: every layer runs, those marked train_only included",
    "train_only_cannot_run": "runs only in training (train_only) and could not run at this input ({problem}); "
                             "its parameters are counted, its sizes mean nothing here, and the sizes the network "
                             "is valid at in eval mode do not depend on it (--mode train checks it)",
    "bad_train_only": "`train_only` is true or false",
    "unknown_spec_param": "--param names '{name}', which is not a parameter of this spec (its `params:`: {known})",
    "yaml_flow_reference": "not valid YAML: {problem}; inside {{...}} write \"${{...}}\" in quotes, or use $(...)",
    # terminal output and malformed files: layer checks across fields, lock files, answers files
    "invalid_fields": "{what}: {problem}",
    "yaml_alias_bomb": "more than {limit} values once its aliases are expanded (an alias bomb?)",
    "lock_empty": "the lock file is empty; write one with `convcalc lock SPEC`",
    "lock_not_json": "not a lock file: not valid JSON ({problem}); write one with `convcalc lock SPEC`",
    "lock_too_deep": "not a lock file: its JSON nests too deeply to be read",
    "lock_form": "not a convcalc lock file: that is a JSON object with convcalc, name, layers and totals; got {got}",
    "lock_missing": "not a convcalc lock file: it has no '{key}' (a lock file has convcalc, name, layers and totals)",
    "lock_bad_value": "{where} is {got} in this lock file; it should be {expected}",
    "lock_layer_missing": "{where} has no '{key}' in this lock file; each layer has a name and a type",
    "lock_expect_text": "a string",
    "lock_expect_layers": "a list of layers",
    "lock_expect_layer": "a layer: an object with a name and a type",
    "lock_expect_name": "a name: a string that is not empty",
    "lock_expect_figure": "a whole number, an expression (a string) or null",
    "lock_expect_shape": "a list of sizes or null",
    "lock_expect_line": "a line number (a whole number >= 1) or null",
    "lock_expect_totals": "an object of totals (params, macs, flops, memory, ...)",
    "kind_number": "a number",
    "kind_text": "a string",
    "kind_list": "a list",
    "kind_mapping": "a mapping (an object)",
    "kind_boolean": "true/false",
    "kind_null": "empty (null)",
    "answers_layers_form": "`layers:` maps layer names to their figures, e.g. layers: {{conv1: {{params: 456}}}}; "
                           "got {got}",
    "answers_figures_form": "the figures of {where} go in a mapping, e.g. {{params: 456, output_shape: 28x28x6}}; "
                            "got {got}",
    "answer_form": "the answer for {figure} is {got}; write a number (34944, 61M) or a shape (55x55x96)",
    "answers_empty": "no answers to check: give figures under `layers:` or `totals:` (0 of 0 right would pass "
                     "an autograder)",

    # depth and subtotals (issue 14)
    "col_input": "input shape",
    "group_layer": "1 layer",
    "group_layers": "{count} layers",
    "bad_depth": "'{value}' is not a depth: write a whole number (0 for the whole network, 1 for the top-level "
                 "layers and groups, ...) or {blocks} (one row per block use)",

    # drawing (render.diagram, issue 15)
    "draw_purpose": "drawing a network",
    "draw_needs_dot": "drawing {format} needs Graphviz's dot program: apt-get install graphviz (brew install "
                      "graphviz on macOS); .dot and .mmd need no program",
    "draw_dot_failed": "Graphviz's dot could not lay out the network: {reason}",
    "draw_too_many": "{boxes} boxes are too many to lay out (at most {limit}): draw fewer with --depth 1",
    "draw_unknown_format": "cannot tell the picture's format from the name's suffix: name it .svg, .png, .pdf, "
                           ".dot or .mmd, or give --format",
    "draw_figures": "{params} params · {macs} MACs",
    "draw_block": "{kind} · {layers} layers",
    "draw_input": "input",
    "draw_output": "output",
    "draw_legend_cost": "share of the {macs} MACs",
    "draw_legend_symbolic": "symbolic sizes: not shaded by cost (give --set or --input)",
    "draw_legend_error": "error (see the tooltip)",
    "draw_legend_warning": "warning (see the tooltip)",
    "draw_elided": "… {layers} unchanged layers",
    "draw_change_added": "added",
    "draw_change_removed": "removed",
    "draw_change_changed": "changed",
    "draw_change_renamed": "renamed from {old}",
    "draw_diagram_needs_markdown": "--diagram draws a Mermaid diagram, which only --format markdown carries",

    # diagnostics: levels, codes, formats (issue 14)
    "strided_rounding": "along {axis}, (W - F + 2P)/S = {numerator}/{stride} is not a whole number; PyTorch "
                        "rounds it {rounding} to {result}, which is {size}/{stride} rounded up, the size a strided "
                        "layer is meant to give",
    "strided_rounding_strict": "along {axis}, (W - F + 2P)/S = {numerator}/{stride} is not a whole number "
                               "(strict mode requires exact divisions; PyTorch would round it {rounding} to "
                               "{result}, {size}/{stride} rounded up)",
    "strided_rounding_group": "the size formula's division by the stride is not whole; PyTorch rounds it to the "
                              "input size divided by the stride, rounded up, as a strided layer is meant to",
    "grouped_notes": "{count} layers: {summary} ({layers})",
    "more_layers": "{shown}, and {more} more",
    "notes": "Notes",
    "unknown_code": "'{code}' starts no diagnostic code; the codes: {codes}",
    "lint_settings_form": "{origin} must be a mapping with the keys {keys}, e.g. {{ignore: [CC202]}}",
    "lint_settings_key": "{origin} has no setting '{key}'; its settings: {keys}",
    "lint_settings_list": "{origin}: '{key}' must be a list of codes or code prefixes, e.g. [CC2, CC401]",
    "pyproject_unreadable": "cannot read this pyproject.toml for its [tool.convcalc] settings: {problem}",

    # plots and the HTML report (issue 15)
    "plot_purpose": "drawing plots",
    "plot_suffix": "the plot's file name ends in .png or .svg (the image format); got '{name}'",
    "plot_inconsistent": "the network has errors (convcalc analyze shows them): only a consistent one is plotted",
    "plot_needs_sizes": "the {kind} plot needs numbers, and the input is symbolic ({symbols}): give the sizes "
                        "(--set, --input 3x224x224), or plot --kind scaling",
    "plot_needs_symbols": "the scaling plot shows costs as functions of the input size: give a symbolic input "
                          "(--input 3xHxW)",
    "plot_no_valid_size": "no input size up to {limit} satisfies the network's conditions: nothing to plot",
    "plot_no_field": "no layer of this network sees a window of its input (the input is flat): no receptive "
                     "field to plot",
    "plot_memory_title": "{name}: activation memory alive at each step (one inference pass)",
    "plot_costs_title": "{name}: parameters, MACs and activation memory per layer",
    "plot_costs_depth_title": "{name}: parameters, MACs and activation memory per group (--depth {depth})",
    "plot_field_title": "{name}: receptive field through the network",
    "plot_scaling_title": "{name}: costs as functions of the input size",
    "plot_alive": "activation memory alive",
    "plot_peak_at": "peak {size} at {layer}",
    "plot_step": "layer (schedule order)",
    "plot_field_axis": "receptive field ({axis})",
    "plot_jump": "jump (input pixels between neighbouring units)",
    "plot_input_size": "input size ({size})",
    "plot_field_pixels": "input pixels",
    "plot_input_side": "input size {symbols}",
    "plot_memory": "memory",
    "plot_scaling_peak": "peak inference memory",
    "plot_scaling_training": "training memory",
    "plot_scaling_activations": "all activations",
    "plot_written": "{path}: {kind} plot",
    "report_title": "convcalc report: {name}",
    "report_totals": "Totals",
    "report_layers": "Layers",
    "report_plots": "Plots",
    "report_diagram": "Architecture",
    "report_no_diagram": "The architecture diagram appears here when convcalc can draw it (convcalc draw).",
    "report_no_plots": "No plots: the network has errors (see above).",
    "report_plots_need": "The plots need the Python package matplotlib: pip install 'convcalc[plot]'",
    "report_collapse_all": "Collapse all blocks",
    "report_expand_all": "Expand all blocks",
    "report_block": "{name} ({kind}, line {line}): {layers} layers",
    "report_made_by": "Made by convcalc {version}; the page needs no network to open.",

    # graph convolutions (issue 17)
    "graph_needs_edges": "a graph layer needs the graph's edges: give the spec graph: {{edges: E}} (input: [N, F] "
                         "is N nodes of F features)",
    "graph_needs_node_features": "a graph layer takes N nodes of F features, (N, F); it received {shape}",
    "fig_transform": "MACs at the nodes (transform)",
    "fig_aggregation": "MACs over the edges (aggregation)",
    "fig_spectral": "a GCNConv on the same graph",
    "graph_spectral_contrast": "spectral filtering: this ChebConv of order K = {order} costs {ours} MACs, K "
                               "transforms and K - 1 propagations over the edges, against {gcn} for the one-hop "
                               "spatial GCNConv",
    "graph_node_out_of_range": "the graph's edge_list names node {node}, but the input has {nodes} nodes (numbered "
                               "from 0)",

    # homework round 2 (issue 16)
    "ceil_dropped_note": "ceil gives {count} windows, but window {count} would start at pixel ({count} - 1)*{stride} - {low} = {start}, past the input's last pixel {last}, in the right padding: PyTorch drops it, giving {result}",
    "fig_padding": "padding (total)",
    "fig_padding_before": "padding before",
    "fig_padding_after": "padding after",
    "tconv_macs_note": "counted over the input positions, each scattering its products, as fvcore and PyTorch's "
                       "flop counter count them; the equivalent direct convolution would do {direct} = {value}, "
                       "most of them on the inserted zeros",
    "stretched_note": "zeros inserted between neighbouring input pixels: S - 1 = {zeros}; {size} pixels become "
                      "{stretched}",
    "direct_note": "a direct convolution of stride {stride} with the same {kernel}-wide kernel (flipped), over the "
                   "stretched, padded input (Dumoulin & Visin 2016)",
    "fig_shape_direct": "output size, as a direct convolution",
    "fig_stretched_input": "stretched input",
    "fig_equivalent_padding_before": "equivalent padding before",
    "fig_equivalent_padding_after": "equivalent padding after",
    "fig_non_trainable": "non-trainable parameters",
    "solve_title": "{kind}: {unknown} giving an output size of {output}{given}",
    "solve_given": " from {given}",
    "solve_values": "{symbol}{axis} = {values}",
    "solve_range": "{first} to {last}",
    "solve_every_from": "every value from {first} on",
    "solve_or": " or ",
    "solve_none": "{symbol}{axis}: none gives {output}: {reason}",
    "solve_between": "{symbol} = {below} gives {below_out} and {symbol} = {above} gives {above_out}; no value "
                     "gives a size in between",
    "solve_at_most": "the largest size any value gives is {most} ({symbol} = {value})",
    "solve_at_least": "the smallest size any value gives is {least} ({symbol} = {value})",
    "solve_refused": "the layer refuses every value (a window larger than the padded input, or an output below 1)",
    "solve_one_unknown": "write ? for one value only (found {count}: {names})",
    "solve_needs_output": "give the output size wanted with --output when a value is ? (e.g. --padding ? --output "
                          "32x32)",
    "solve_output_without_unknown": "--output is the size wanted when solving: write ? for the value to find "
                                    "(e.g. --padding ? --output 32x32)",
    "solve_bad_output": "--output '{value}': write the output's spatial size, 32 or 32x32",
    "solve_name_padding": "the padding P",
    "solve_name_stride": "the stride S",
    "solve_name_kernel": "the kernel size F",
    "solve_name_dilation": "the dilation d",
    "solve_name_input": "the input size W",
    "calc_looks_chw": "warning: --input {given} is read in the hwc layout as {height} rows of {width} columns of "
                      "{depth} channels; if {height} is the depth, add --layout chw (or write {width}x{depth}x{height})",
    "mistake_keras_total": "this total includes the non-trainable parameters (batch norm's running mean and variance), "
                           "as Keras's summary counts them; the trainable parameters leave them out",
    "mistake_bias_additions_forgotten": "these are 2 FLOPs per multiply-accumulate without the bias additions: each "
                                        "output value adds its bias, 1 FLOP more",
    "mistake_tconv_macs_over_outputs": "counted over the output positions, as for a direct convolution; a transposed "
                                       "convolution multiplies once per input position, kernel tap and filter (the "
                                       "direct equivalent's other products fall on inserted zeros)",
    "note_batch_included": "written with the batch first; the figure is the same",
    "note_square_field": "one number for a square receptive field, as usual",
    "follows_from": "follows correctly from your answer {answer} for {layer}",
    "check_follow_summary": "{count} more follow correctly from an earlier wrong answer",
    "explain_network": "the network's memory (batch {batch}, {dtype})",
    "fig_input_units": "input tensor (values)",
    "fig_input_memory": "input tensor memory",
    "fig_activations": "layer outputs (values)",
    "fig_activations_in_place": "layer outputs, ReLU in place",
    "fig_forward_memory": "forward memory (input and outputs kept)",
    "fig_with_gradients": "with their gradients (backward)",
    "fig_im2col": "im2col column matrix (values)",
    "fig_im2col_memory": "im2col column matrix memory",
    "im2col_note": "a {rows} x {columns} matrix{groups}: one column per output position, one row per weight "
                   "of a filter",
    "im2col_groups": " per group, {groups} of them",
    "connections_channel": "the connection table reads input channel {channel}, but the input has {channels} "
                           "channels (0 to {channels} - 1)",
    "torch_connection_table": "PyTorch's convolution has no connection table",
    "fig_connections": "connections (LeCun et al. 1998)",
    "fig_table_links": "(filter, input channel) pairs of the connection table",
    "mistake_connection_table_ignored": "every filter counted over every input channel; the connection table links "
                                        "each filter to some channels only",
    "no_connections": "layer {layer} ({kind}) has no connections figure: LeCun et al. count them for "
                      "convolutions, subsampling and dense layers",
    "onnx_connection_table": "ONNX's Conv has no connection table",

    # the bridges to the frameworks (convcalc.bridges)
    "needs_extra": "{purpose} needs the Python package {module}: pip install 'convcalc[{extra}]'",

    # importing ONNX files (bridges.onnx_import)
    "onnx_unreadable": "not an ONNX model convcalc can read: {reason}",
    "onnx_no_nodes": "the graph has no nodes",
    "onnx_too_large": "the file is {size} bytes, past the 2 GiB a protobuf message may hold; save the model "
                      "with its tensors as external data (onnx.save(..., save_as_external_data=True))",
    "onnx_inputs": "the graph needs exactly one input tensor (besides its initializers), it has {count}: {names}",
    "onnx_input_rank": "the graph input {name} has {rank} axes; convcalc needs (N, C, ...) with the batch first",
    "onnx_unsupported_op": "node {index} ({node}) is an ONNX {op}, an op convcalc does not import; it imports: "
                           "{supported}",
    "onnx_unsupported_form": "node {index} ({node}): this {op} has no convcalc layer: {reason}",
    "onnx_form": "its attributes or inputs are a form no layer type expresses ({attributes})",
    "onnx_only_constants": "convcalc evaluates it on constants and shapes only; on the network's values no layer "
                           "type computes it",
    "onnx_not_static": "an input that should be a constant is computed from the network's values",
    "onnx_fold_failed": "node {index} ({node}): the {op} of constant values could not be evaluated: {reason}",
    "onnx_layer_refused": "node {index} ({node}): the {op} read as a {kind} layer is refused: {reason}",

    # exporting ONNX files (bridges.onnx_export)
    "onnx_export_too_large": "{parameters} parameters take {size} GiB in float32, more than the 2 GiB an ONNX file "
                      "holds without external data",
    "onnx_no_equivalent": "layer {layer} ({kind}): convcalc has no ONNX form for this type, so it cannot be exported",
    "onnx_export_layer_refused": "layer {layer} ({kind}) cannot be written in ONNX: {reason}",
    "onnx_symbolic_parameter": "layer {layer}: parameter {name} has the symbolic shape ({shape}); give the "
                               "symbols sizes (--set, --input) to export its weights",
    "onnx_transposed_size": "its output padding would depend on the symbolic input size; give the size (--set)",
    "onnx_ceil_symbolic": "in ceil mode on a symbolic size its last window cannot be padded in ONNX; give the size "
                          "(--set)",
    "onnx_adaptive_symbolic": "adaptive pooling to {sizes} of a symbolic size has no fixed ONNX window; give the "
                              "size (--set), or pool to 1",
    "onnx_layernorm_symbolic": "without affine its scale of ones needs the normalised sizes as numbers; give the "
                               "size (--set)",

    # importing PyTorch models (bridges.torch_import)
    "torch_target_syntax": "--torch {target}: give MODULE:ATTR, e.g. torchvision.models:resnet50",
    "torch_target_missing": "--torch {target}: cannot import it ({problem})",
    "torch_target_not_callable": "--torch {target}: not a callable (give a builder function or an nn.Module class)",
    "torch_target_failed": "--torch {target}: calling it failed: {problem}",
    "torch_target_not_module": "{target} gives {got}, not a torch.nn.Module",
    "torch_input_numeric": "importing a PyTorch model needs numeric input sizes, not {shape}",
    "torch_trace_failed": "torch.fx cannot trace the model: {problem}",
    "torch_shapes_failed": "the model does not run at input {shape}: {problem}",
    "torch_several_inputs": "the model takes more than one input ({node}); convcalc specs have one",
    "torch_no_layers": "the traced model has no layers",
    "torch_batch_mixed": "the traced node {node}{line} gives a tensor of shape {shape} whose first axis is not "
                         "the batch: convcalc's layers keep the batch apart",
    "torch_unmapped_module": "module {name} ({kind}, the traced node {node}{line}) has no convcalc layer type",
    "torch_unmapped_function": "{name} (the traced node {node}{line}) has no convcalc layer type",
    "torch_unmapped_source": "{name} (the traced node {node}{line}) reads a tensor no layer gives (one made "
                             "inside the model)",
    "torch_unsupported": "{target} (the traced node {node}{line}): {problem}",
    "torch_option_refused": "{option}={value} has no convcalc equivalent",
    "torch_dim_refused": "dim {value} is not supported here (give the channels: {expected})",
    "torch_batch_axis": "it acts on the batch axis (dim {value})",

    # exporting PyTorch source (bridges.torch_export)
    "torch_export_reserved": "layer {layer}: PyTorch modules have an attribute {part}, so no module can be "
                             "named so; rename the layer",
    "torch_export_inconsistent": "the network has errors (convcalc analyze shows them): only a consistent one is "
                                 "written as PyTorch",
    "torch_export_unsupported": "layer {layer}: convcalc cannot write a {kind} layer as PyTorch source",
    "torch_export_refused": "layer {layer} ({kind}) cannot be written as PyTorch: {reason}",
    "torch_export_prefix": "layer {layer}: other layers' names start with '{layer}.', and a PyTorch module cannot "
                           "also hold the modules named under it; rename one of them",
    "torch_size_symbolic": "its {field} would be {value}, which depends on the symbolic input sizes; give them "
                           "numbers (--set, --input)",
    "torch_same_symbolic": "'same' padding with stride {stride} pads by an amount that depends on the input size; "
                           "give the sizes numbers (--set, --input)",
    "torch_no_dilation": "PyTorch's pooling of this kind has no dilation",
    "torch_pad_excluded": "with count_include_pad: false the padding must be the same on both sides and at most "
                          "half the kernel, as PyTorch's average pooling takes it",
    "torch_ceil_padding": "with ceil_mode, this padding applied before the pool would round the output size "
                          "differently",
    "torch_unpool_padding": "PyTorch's max unpooling pads both sides alike by at most half the kernel",

    # blocks found in imported specs (bridges.blocks)

    # the Python API (convcalc.api)

    # the layer reference (convcalc layers)
    "layers_inputs": "inputs: {count}",
    "layers_alias": "or",
    "layers_required": "required",
    "layers_default": "default: {value}",
    "layers_figure_shape": "shape",
    "layers_figure_params": "params",
    "layers_figure_macs": "macs",
    "layers_figure_receptive_field": "receptive_field",
    "layers_figure_flops": "flops",
    "layers_entry_keys": "Every entry, of any type, also takes:",
}
