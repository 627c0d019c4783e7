"""Mensajes en español. Las claves son las mismas que en en.py (la referencia), con los mismos campos."""

MESSAGES = {
    "did_you_mean": " (¿quisiste decir '{name}'?)",
    "rounding_floor": "hacia abajo (floor)",
    "rounding_ceil": "hacia arriba (ceil_mode)",
    "input_smaller_than_kernel": "la entrada ({size}) es menor que el kernel ({kernel}) a lo largo de {axis}, "
                                 "lo que el average pooling 3D de PyTorch rechaza aun con relleno",
    # lectura del archivo
    "file_not_found": "el archivo no existe",
    "file_is_directory": "esto es un directorio, no un archivo de especificación",
    "file_unreadable": "no se puede leer el archivo: {reason}",
    "file_binary": "este es un archivo binario, no una especificación YAML",
    "file_not_utf8": "el archivo no es texto UTF-8 (el primer byte incorrecto está aquí); guárdalo como UTF-8",
    "file_empty": "el archivo está vacío; una especificación necesita al menos `name`, `input` y `layers`",
    "yaml_syntax": "YAML no válido: {problem}",
    "yaml_tab": "se usa un tabulador para la sangría; en YAML solo se sangra con espacios",
    "yaml_too_deep": "anidamiento de más de {limit} niveles",
    "yaml_too_large": "más de {limit} valores al expandir los alias (¿una bomba de alias?)",
    "yaml_many_documents": "aquí empieza un segundo documento YAML; un archivo de especificación contiene uno solo",
    "yaml_complex_key": "una clave debe ser una palabra simple",
    "yaml_merge_key": "las claves de fusión de YAML (<<) no están admitidas; usa en su lugar un bloque con parámetros",
    "yaml_duplicate_key": "la clave '{key}' aparece dos veces en este mapeo",
    "yaml_leading_zero": "'{text}' empieza por cero (YAML 1.1 lo leería como octal); escribe {suggestion}",
    # la estructura de la especificación
    "spec_not_mapping": "una especificación es un mapeo con las claves name, input y layers",
    "unknown_key": "clave desconocida '{key}' en {what}{hint}; claves válidas: {valid}",
    "missing_key": "{what}: falta '{key}'",
    "invalid_value": "{what}: '{field}' no es válido: {problem}; se recibió {value}{expected}",
    "unknown_type": "tipo de capa desconocido '{kind}'{hint}; `convcalc layers` los enumera",
    "entry_form": "una capa es un nombre de tipo (- relu) o un mapeo (- conv2d: {{filters: 6, kernel: 5}}), "
                  "no un {got}",
    "entry_keys": "una entrada de capa necesita `type:` o exactamente una clave con el nombre de su tipo; "
                  "se encontró: {keys}",
    "entry_body": "los campos de {kind} van en un mapeo: - {kind}: {{...}}",
    "duplicate_key_in_entry": "'{key}' aparece a la vez dentro y al lado de los campos de la capa",
    "bad_name": "'{name}' no sirve como nombre de capa: usa letras, dígitos, _, - y puntos entre partes "
                "('input' está reservado)",
    "bad_inputs": "`inputs` es una lista de nombres de capas anteriores, p. ej. inputs: [conv1, pool2]",
    "bad_count": "`{key}` debe ser un número entero >= {minimum}; se recibió {value}",
    "too_many_layers": "más de {limit} capas tras expandir los bloques y las repeticiones",
    "duplicate_name": "el nombre '{name}' ya está en uso (línea {first}); los nombres deben ser únicos",
    "bad_output_index": "'{name}' tiene {count} salidas, de {name}.0 a {last}; no existe la salida {index}",
    "several_outputs": "'{name}' tiene {count} salidas: indica cuál lee esta capa, de {first} a {last}, "
                       "p. ej. inputs: [{first}]",
    "unknown_input": "`inputs` menciona '{name}', que no es una capa anterior a esta{hint}",
    "forward_input": "`inputs` menciona '{name}', definida más abajo (línea {line}): las entradas deben venir de "
                     "capas anteriores, para que el grafo no tenga ciclos",
    "input_count": "{kind} admite {expected} entrada(s), pero recibe {received}",
    "block_recursion": "el bloque '{block}' se usa a sí mismo ({chain})",
    "block_inputs": "un bloque admite una sola entrada; '{block}' recibe {received}",
    "unknown_block_param": "el bloque '{block}' no tiene el parámetro '{key}'{hint}; sus parámetros: {valid}",
    "missing_block_param": "el bloque '{block}' necesita un valor para '{key}'",
    "bad_reference": "no se puede evaluar '{text}': {problem}; parámetros disponibles aquí: {valid}",
    "unknown_symbol": "--set menciona '{name}', que no es un símbolo de esta especificación (símbolos: {known})",
    "bad_symbol_value": "--set {name}={value}: los tamaños deben ser >= 1",
    # incoherencias detectadas por el análisis
    "in_block": "{message} (en {block})",
    "at_layer": "{layer}: {message}",
    "wrong_rank": "espera una entrada con {expected} ejes espaciales, pero recibe {received}",
    "window_too_large": "la ventana ({span}) es mayor que la entrada con relleno a lo largo de {axis} "
                        "({size} + {pad} = {padded}); usa un kernel o una dilatación menores, más relleno "
                        "o una entrada más grande",
    "output_below_one": "el tamaño de salida a lo largo de {axis} sería {size}; debe ser al menos 1",
    "in_channels_mismatch": "declara in_channels {declared} pero recibe {received} canales; "
                            "corrige in_channels o la capa anterior",
    "in_features_mismatch": "declara in_features {declared} pero al aplanar se obtienen {received}; "
                            "pon in_features a {received}, o cambia el tamaño de entrada o las capas anteriores",
    "groups_mismatch": "{channels} canales de entrada no se pueden repartir en {groups} grupos; "
                       "usa un número de grupos que divida al número de canales",
    "dense_needs_flat": "una capa densa necesita un vector plano pero recibe la forma {shape}; añade un flatten "
                        "(o un global pooling) antes de ella",
    "merge_rank_mismatch": "no se pueden unir ramas con distinto número de ejes: {shapes}",
    "merge_shape_mismatch": "las formas de las ramas difieren en el eje {axis}: {first} frente a {other}; "
                            "haz que el relleno y los pasos de las ramas coincidan, o proyecta el atajo",
    "needs_spatial": "necesita un mapa con ejes espaciales, (C, H, W) o (C, L), pero recibe el vector {shape}",
    "output_size_range": "no se puede obtener output_size {size} en {axis}: con este kernel, paso y relleno la "
                         "salida va de {smallest} a {largest} (el rango de PyTorch para output_size)",
    "tensor_axis": "el eje {axis} no existe en una muestra con {rank} ejes: usa de 0 (canales) a {last}, "
                   "o -1 para el último",
    "split_sizes_sum": "los tamaños {sizes} suman {total}, pero el eje tiene {size}; haz que sumen {size}",
    "split_chunks_uneven": "{size} no se puede dividir en {chunks} partes iguales para todo tamaño de entrada; "
                           "indica sizes, o un tamaño de entrada divisible por {chunks}",
    "split_chunks_count": "torch.chunk divide {size} en partes de {part}, lo que da {count} salidas, no {chunks}; "
                          "indica sizes en su lugar",
    "slice_empty": "el recorte [{start}:{end}:{step}] de un eje de tamaño {size} no conserva nada",
    "slice_outside": "la posición {position} del recorte cae fuera de un eje de tamaño {size}",
    "reshape_inexact": "{total} valores no caben en la forma {shape}: {total} no es divisible por {known}",
    "reshape_count": "{total} valores no caben en la forma {shape}, que contiene {known}",
    "permute_dims": "dims {dims} no es un orden de los {rank} ejes de la muestra, de 0 a {last}",
    "reduce_repeated_axis": "los ejes {axes} nombran un eje dos veces",
    "flatten_axes": "de start_axis {start} a end_axis {end} no es un rango de los {rank} ejes de la muestra, "
                    "de 0 a {last}",
    "unpool_mismatch": "los valores {values} no son lo que da un max pooling de {source} ({pooled}); la segunda "
                       "entrada debe ser el tensor que leyó el max pooling, con su kernel, paso y relleno",
    "concat_axis": "el eje {axis} no existe en un tensor con {rank} ejes",
    "crop_too_large": "no se puede recortar {size} al tamaño de referencia {target} a lo largo de {axis}",
    "inexact_division": "a lo largo de {axis}, (W - F + 2P)/S = {numerator}/{stride} no es un número entero; "
                        "PyTorch lo redondea {rounding}, así que el tamaño es {result}",
    "inexact_division_strict": "a lo largo de {axis}, (W - F + 2P)/S = {numerator}/{stride} no es un número "
                               "entero (el modo estricto exige divisiones exactas; PyTorch lo redondearía "
                               "{rounding} a {result})",
    "no_valid_size": "ningún tamaño de entrada es válido para esta capa: necesita {condition}",
    "condition_unsolved": "no se pudo resolver la condición {condition}; compruébala a mano o da tamaños con --set",
    # condiciones
    "cond_none": "ningún valor de {name}",
    "cond_any": "cualquier {name}",
    "cond_in": "{name} en {{{values}}}",
    "cond_at_least": "{name} >= {value}",
    "cond_divisible": "{subject} divisible entre {divisor}",
    "cond_residues": "{name} mod {divisor} en {{{values}}}",
    "cond_and": " y ",
    "cond_or": " o ",
    "cond_or_also": "{text}, o {name} en {{{values}}}",
    # salida
    "col_layer": "capa",
    "col_type": "tipo",
    "col_shape": "forma de salida",
    "col_params": "parámetros",
    "col_macs": "MACs",
    "col_memory": "memoria",
    "col_rf": "campo receptivo",
    "input_line": "entrada {shape} ({layout}), lote {batch}, {dtype}",
    "total_params": "Parámetros",
    "params_plain": "{params}",
    "params_split": "{params}, más {non_trainable} valores no entrenables (estadísticas acumuladas de batch norm: buffers en PyTorch, que Keras suma a su total: {both})",
    "total_macs": "MACs",
    "total_flops": "FLOPs",
    "total_param_memory": "Memoria de parámetros",
    "total_activations": "Activaciones (todas las capas)",
    "total_peak": "Pico de memoria en inferencia",
    "peak_symbolic": "depende de qué capa domine; da tamaños con --set",
    "total_training": "Estimación de memoria en entrenamiento",
    "valid_sizes": "Tamaños de entrada válidos",
    "conditions": "Condiciones por capa",
    "condition_line": "{condition}  ({layer}, línea {line})",
    "warnings": "Avisos",
    "errors": "Errores",
    "conventions": "Convenciones",
    "conv_macs": "MACs: multiplicaciones-acumulaciones de las sumas ponderadas (convolución, convolución "
                 "transpuesta, capa densa), sin contar las sumas del sesgo, como las cuentan fvcore y "
                 "FlopCounterMode de PyTorch",
    "conv_flops": "FLOPs: 2 x MACs más el trabajo elemento a elemento de cada capa, según las reglas siguientes",
    "conv_memory": "memoria: activaciones = elementos de salida x lote x bytes del dtype; pico en inferencia = "
                   "parámetros + el mayor número de activaciones vivas a la vez (cada una se libera tras su "
                   "último uso, sin operaciones in situ); entrenamiento = parámetros + gradientes + estado "
                   "de {optimizer} + todas las activaciones guardadas para la pasada hacia atrás (backward)",
    # ejecución
    "run_needs_sizes": "da un tamaño a cada símbolo para ejecutar la red: --set {symbols}",
    "run_too_large": "la ejecución necesita unos {needed} en su pico, más que --max-memory {limit}; sube --max-memory o usa --set para una entrada más pequeña",
    "unknown_weight": "{layer} no tiene el parámetro '{name}'; sus parámetros: {valid}",
    "weight_shape": "{name} debe tener forma {expected}; se recibió {received}",
    "bad_weights": "`weights` asocia nombres de parámetros a valores, p. ej. weights: {{weight: [[...]], bias: [0]}}",
    "npz_unreadable": "no se puede leer el archivo de arrays: {reason}",
    "input_shape": "la entrada debe tener forma {expected} (una muestra, en el layout de la especificación) o un lote de ellas; se recibió {received}",
    "output_exists": "{path} ya existe; elige otro archivo o añade --force para reemplazarlo",
    "run_title": "ejecución de referencia con NumPy, {dtype}",
    "col_macs_done": "MACs realizadas",
    "col_time": "ms",
    "output_of": "salida de {name}",
    "output_summary": "mín {min}, máx {max}, media {mean}, desv. típica {std}",
    "verify_title": "análisis frente al ejecutor NumPy, {dtype}",
    "verify_memory": "memoria pico: medida {measured}, prevista {predicted}, se admite hasta {limit} (1,5 x prevista + 1 MiB): {verdict}",
    "held": "se cumple",
    "not_held": "NO se cumple",
    "verify_ok": "todas las cifras confirmadas ({count} comprobaciones)",
    "verify_failed": "{count} cifra(s) no coinciden",
    "expected_measured": "se esperaba {expected}, se midió {measured}",
    # explicaciones
    "unknown_layer": "no hay ninguna capa llamada '{name}'{hint}",
    "explain_layer": "{name} ({kind}, línea {line})",
    "inexact_note": "no es un número entero ({value}): PyTorch redondea {rounding}, lo que da {result}",
    "fig_shape": "tamaño de salida",
    "fig_units": "neuronas (valores de salida)",
    "fig_params": "parámetros",
    "fig_params_without_bias": "parámetros sin sesgo",
    "fig_macs": "MACs",
    "fig_flops": "FLOPs",
    "fig_memory": "memoria de activaciones",
    "fig_receptive_field": "campo receptivo",
    "fig_jump": "salto (paso efectivo)",
    "fig_values": "valores de salida",
    "calc_answer": "{kind}: {given} -> {shape} · parámetros {params} · MACs {macs} · memoria {memory}",
    # corrección de respuestas
    "answers_form": "un archivo de respuestas tiene `layers:` (cifras por nombre de capa), `totals:` y, opcional, `tolerance:`",
    "answers_tolerance": "la tolerancia '{value}' no es un número: escribe 1% o 0.01",
    "unknown_figure": "cifra desconocida '{figure}'{hint}; cifras: {valid}",
    "answer_unreadable": "no se puede leer la respuesta de {figure}: {problem}",
    "totals_word": "totales",
    "verdict_right": "{mark} {where} {figure}: {given} (línea {line})",
    "verdict_wrong": "{mark} {where} {figure}: {given}, se esperaba {expected} (línea {line})",
    "likely": "error probable",
    "check_summary": "{right} de {total} respuestas correctas",
    "mistake_bias_forgotten": "es la cuenta sin los sesgos: cada filtro (o neurona) añade un sesgo",
    "mistake_bias_counted": "esta cuenta incluye los sesgos, que no se pedían",
    "mistake_depth_forgotten": "falta la profundidad D de la entrada: cada filtro abarca los D canales, F*F*D pesos",
    "mistake_padding_once": "el relleno se contó una vez; se añade a ambos lados: 2P",
    "mistake_ceil_for_floor": "se redondeó hacia arriba; la fórmula (y PyTorch) redondea hacia abajo (floor)",
    "mistake_floor_for_ceil": "se redondeó hacia abajo; con ceil_mode el tamaño se redondea hacia arriba",
    "mistake_flops_for_macs": "es la cifra de FLOPs: una multiplicación-acumulación cuenta una vez en MACs y dos en FLOPs",
    "mistake_macs_for_flops": "es la cifra de MACs: los FLOPs cuentan dos veces cada multiplicación-acumulación",
    "mistake_layout_order": "los tamaños correctos en otro orden: canales al principio en vez de al final, o al revés",
    "mistake_height_width_swapped": "el alto y el ancho están intercambiados",
    "mistake_digits_swapped": "hay dos dígitos vecinos intercambiados: un error al copiar",
    "mistake_rounded": "los valores se redondearon: el resultado exacto tiene decimales",
    "mistake_values_shape": "los valores no tienen la forma de la salida",
    "mistake_count_for_bytes": "es el número de valores; la memoria es valores x bytes por valor",
    "mistake_bytes_for_count": "es la memoria en bytes; las neuronas cuentan valores",
    "mistake_symbolic": "la cifra depende del tamaño de la entrada: da tamaños en la especificación",
    # presupuestos, bloqueos y diferencias
    "budget_exceeded": "{figure} es {value}, supera el presupuesto de {limit} en un {over}%",
    "budget_symbolic": "el presupuesto de {figure} no se puede comprobar con tamaños simbólicos; dalos con --set",
    "unknown_budget": "presupuesto desconocido '{figure}'{hint}; presupuestos: {valid}",
    "bad_quantity": "'{value}' no es una cantidad: escribe 25M, 4.1G, 200MiB o 1024",
    "lock_unreadable": "no es un archivo de bloqueo legible: {reason}",
    "git_failed": "no se puede leer esta especificación en la revisión de git {revision}: {reason}",
    "diff_title": "{before} -> {after}",
    "diff_figure": "cifra",
    "diff_before": "antes",
    "diff_after": "después",
    "diff_delta": "cambio",
    "diff_percent": "%",
    "diff_no_layer_change": "ninguna capa cambió",
    "diff_added": "añadida {name} ({kind}): {shape_after}, parámetros {params}, MACs {macs}",
    "diff_removed": "eliminada {name} ({kind}): era {shape_before}, parámetros {params}, MACs {macs}",
    "diff_changed": "cambiada {name} ({kind}): {shape_before} -> {shape_after}, parámetros {params}, MACs {macs}",
    "diff_renamed": "renombrada {old} -> {name} ({kind}): {shape_before} -> {shape_after}, parámetros {params}, MACs {macs}",
    "diff_failed": "se superó --fail-on {threshold}: {delta} ({percent})",
    # cuestionarios (convcalc quiz)
    "quiz_title": "Cuestionario: una pequeña red convolucional (semilla {seed})",
    "quiz_intro": "La red de quiz.yaml recibe una entrada de {input} (alto x ancho x canales). Sus capas se "
                  "aplican en orden: l1 recibe la entrada y cada una de las demás, la salida de la anterior.",
    "quiz_instructions": "Escribe tus respuestas en un archivo answers.yaml con el formato de la clave de "
                         "respuestas, por ejemplo `layers: {{l1: {{output_shape: 28x28x6, params: 456}}}}` y "
                         "`totals: {{params: 61706}}` (tamaños como HxWxC, números enteros sin más), y ejecuta "
                         "`convcalc check quiz.yaml answers.yaml`.",
    "quiz_conv": "La capa {layer} es una convolución con {filters} filtros de {kernel}x{kernel}, paso {stride} "
                 "y relleno {padding}.",
    "quiz_conv_same": "La capa {layer} es una convolución con {filters} filtros de {kernel}x{kernel}, paso "
                      "{stride} y relleno 'same' (la salida conserva el alto y el ancho de la entrada).",
    "quiz_maxpool": "La capa {layer} es una capa de max pooling con ventana de {kernel}x{kernel}, paso {stride} "
                    "y relleno {padding}.",
    "quiz_avgpool": "La capa {layer} es una capa de pooling promedio (average pooling) con ventana de "
                    "{kernel}x{kernel}, paso {stride} y relleno {padding}.",
    "quiz_tconv": "La capa {layer} es una convolución transpuesta con {filters} filtros de {kernel}x{kernel}, "
                  "paso {stride} y relleno {padding}.",
    "quiz_flatten": "La capa {flatten} aplana la salida de {source} en un vector.",
    "quiz_flatten_input": "La capa {flatten} aplana la entrada de la red en un vector.",
    "quiz_dense": "La capa {layer} es una capa densa (totalmente conectada) de {units} neuronas.",
    "quiz_floor": "Aquí (W - F + 2P)/S no es un número entero: PyTorch lo redondea hacia abajo (floor).",
    "quiz_ask": "Da el tamaño de su salida (HxWxC) y su número de parámetros.",
    "quiz_ask_macs": "Da el tamaño de su salida (HxWxC), su número de parámetros y sus MACs "
                     "(multiplicaciones-acumulaciones, sin las sumas de los sesgos).",
    "quiz_ask_dense": "Da el tamaño de su salida (el número de valores) y su número de parámetros.",
    "quiz_total": "Por último, da el número total de parámetros de la red.",
    "quiz_bad_topic": "tema desconocido '{topic}'; temas: {valid} (una lista separada por comas, p. ej. conv,pool,dense)",
    # añadidos con el corpus de especificaciones erróneas
    "yaml_alias_loop": "este valor contiene un alias de sí mismo, así que no terminaría nunca",
    "reference_outside_block": "'{text}' se refiere a un parámetro de bloque, pero esta capa no está dentro de un "
                               "bloque; escribe el valor, o define un bloque en `blocks:` con este parámetro",
    "yaml_flow_reference": "YAML no válido: {problem}; dentro de {{...}} escribe \"${{...}}\" entre comillas, o usa $(...)",
}
