"""Mensajes en español. Las claves son las mismas que en en.py (la referencia), con los mismos campos."""

# The words of the explanations' formulas (``units = C*H*W``), in Spanish: whole phrases first,
# then single words; symbols (F, S, P, O), functions (floor, ceil) and MACs / FLOPs stay.
FORMULA_TERMS = (
    ("outputs = the layers' output values, batch included",
     "salidas = los valores de salida de las capas, lote incluido"),
    ("outputs in place = outputs - outputs of in-place layers (ReLU, dropout, views)",
     "salidas in situ = salidas - salidas de las capas in situ (ReLU, dropout, vistas)"),
    ("forward bytes = (input * batch + outputs in place) * dtype bytes",
     "bytes hacia delante = (entrada * lote + salidas in situ) * bytes por valor"),
    ("forward and backward", "hacia delante y hacia atrás"),
    ("forward bytes", "bytes hacia delante"),
    ("(a gradient per value)", "(un gradiente por valor)"),
    ("dtype bytes", "bytes por valor"),
    ("unchanged", "sin cambios"),
    ("params", "parámetros"),
    ("connections", "conexiones"),
    ("columns", "columnas"),
    ("units", "neuronas"),
    ("inputs", "entradas"),
    ("input", "entrada"),
    ("outputs", "salidas"),
    ("output", "salida"),
    ("batch", "lote"),
    ("or", "o"),
)

MESSAGES = {
    "did_you_mean": " (¿quisiste decir '{name}'?)",
    "rounding_floor": "hacia abajo (floor)",
    "rounding_ceil": "hacia arriba (ceil_mode)",
    "input_smaller_than_kernel": "la entrada ({size}) es menor que el kernel ({kernel}) a lo largo de {axis}, "
                                 "lo que el 'average pooling' 3D de PyTorch rechaza aun con relleno",
    # lectura del archivo
    "file_not_found": "el archivo no existe",
    "file_is_directory": "esto es un directorio, no un archivo de especificación",
    "file_unreadable": "no se puede leer el archivo: {reason}",
    "file_binary": "este es un archivo binario, no una especificación YAML",
    "file_not_utf8": "el archivo no es texto UTF-8 (el primer byte incorrecto está aquí); guárdalo como UTF-8",
    "file_empty": "el archivo está vacío; una especificación necesita al menos `name`, `input` y `layers`",
    "file_not_regular": "esto es {kind}, no un archivo normal (puede no terminar nunca); da un archivo, o pasa el texto por la entrada estándar como `-`",
    "kind_fifo": "una tubería con nombre (FIFO)",
    "kind_character_device": "un dispositivo de caracteres",
    "kind_block_device": "un dispositivo de bloques",
    "kind_socket": "un socket",
    "kind_special": "un archivo especial",
    "file_too_large": "el archivo supera {limit} (loading.MAX_BYTES), lo máximo que convcalc lee de una especificación, de unas respuestas o de un archivo de bloqueo",
    "file_bad_encoding": "el archivo no es texto {encoding} válido (el primer byte incorrecto está aquí); guárdalo como UTF-8",
    "file_control_character": "el carácter de control {code} no está permitido en YAML; bórralo, o escríbelo como secuencia de escape en una cadena entre comillas dobles",
    "file_yaml11_break": "el carácter {code} (NEL, LS o PS) es un carácter corriente en YAML 1.2 pero un salto de línea para los lectores de YAML 1.1; bórralo, o escríbelo como \\N, \\L o \\P en una cadena entre comillas dobles",
    "stdin_closed": "la entrada estándar está cerrada",
    "stdin_twice": "la entrada estándar solo se puede leer una vez: da la especificación o las respuestas como archivo",
    "yaml_syntax": "YAML no válido: {problem}",
    "yaml_tab": "se usa un tabulador para la sangría; en YAML solo se sangra con espacios",
    "yaml_too_deep": "anidamiento de más de {limit} niveles",
    "yaml_too_large": "más de {limit} valores; un archivo de especificación tiene como mucho esos",
    "yaml_many_documents": "aquí empieza un segundo documento YAML; un archivo de especificación contiene uno solo",
    "yaml_complex_key": "una clave debe ser una palabra simple",
    "yaml_merge_key": "las claves de fusión de YAML (<<) no están admitidas; usa en su lugar un bloque con parámetros",
    "yaml_duplicate_key": "la clave '{key}' aparece dos veces en este mapeo",
    "yaml_leading_zero": "'{text}' empieza por cero (YAML 1.1 lo leería como octal); escribe {suggestion}",
    # la estructura de la especificación
    "spec_not_mapping": "una especificación es un mapeo con las claves name, input y layers",
    "same_field_twice": "'{key}' y '{other}' son dos nombres del mismo campo de {what}: da solo uno",
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
    "block_depth": "el bloque '{block}' se usa a {limit} niveles de bloques ({chain}), el máximo que convcalc expande; escribe las capas interiores o anida menos bloques",
    "block_named_like_layer": "el bloque '{block}' tiene el nombre de un tipo de capa y sustituiría a todas las "
                              "capas '{block}' de la especificación; dale otro nombre al bloque",
    "block_inputs": "un bloque admite una sola entrada; '{block}' recibe {received}",
    "unknown_block_param": "el bloque '{block}' no tiene el parámetro '{key}'{hint}; sus parámetros: {valid}",
    "missing_block_param": "el bloque '{block}' necesita un valor para '{key}'",
    "bad_reference": "no se puede evaluar '{text}': {problem}; parámetros disponibles aquí: {valid}",
    "unknown_symbol": "--set menciona '{name}', que no es un símbolo de esta especificación (símbolos: {known})",
    "bad_symbol_value": "--set {name}={value}: los tamaños deben ser >= 1",
    # incoherencias detectadas por el análisis
    "block_use": "{name} ({kind}, línea {line})",
    "feature_maps_note": "{count} mapas de características de {size}",
    "in_block": "{message} (en {block}; la capa está escrita en la línea {line} del bloque)",
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
    # resizing to a reference (layers.resize)
    "upsample_reference_inputs": "size: reference toma dos entradas, el mapa que se redimensiona y la referencia "
                                 "cuyo tamaño espacial toma (inputs: [x, referencia]); se recibieron {received}",
    "upsample_second_input": "una segunda entrada da su tamaño al sobremuestreo solo con size: reference (en lugar "
                             "de scale o de un tamaño fijo); se recibieron {received} entradas",
    "upsample_reference_note": "O_ref: el tamaño espacial de la segunda entrada (la referencia), con los canales "
                               "de la primera",
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
    "params_split": "{params}, más {non_trainable} valores no entrenables (estadísticas acumuladas de BatchNorm: buffers en PyTorch, que Keras suma a su total: {both})",
    "total_macs": "MACs",
    "total_flops": "FLOPs",
    "total_param_memory": "Memoria de parámetros",
    "total_activations": "Activaciones (todas las capas)",
    "total_peak": "Pico de memoria en inferencia",
    "peak_symbolic": "depende de qué capa domine; da tamaños con --set",
    "total_training": "Estimación de memoria en entrenamiento",
    "total_outputs": "Salidas",
    "total_partial": "Totales parciales",
    "partial_detail": "{done} de {layers} capas analizadas: las cifras siguientes solo cubren esas, no la red",
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
    "run_too_large": "la ejecución puede ocupar hasta {needed} en su pico (1,5 x los {predicted} previstos + 1 MiB, el límite con que verify comprueba el ejecutor), más que --max-memory {limit}; sube --max-memory o usa --set para una entrada más pequeña",
    "unknown_weight": "{layer} no tiene el parámetro '{name}'; sus parámetros: {valid}",
    "weight_shape": "{name} debe tener forma {expected}; se recibió {received}",
    "bad_weights": "`weights` asocia nombres de parámetros a valores, p. ej. weights: {{weight: [[...]], bias: [0]}}",
    "npz_unreadable": "no se puede leer el archivo de arrays: {reason}",
    "array_not_regular": "no es un archivo regular: da un archivo de arrays escrito con numpy.save o numpy.savez",
    "array_file_too_large": "el archivo tiene {size} bytes, más que los {limit} bytes que pueden necesitar los valores de esta red (8 bytes por valor, más 1 MiB y 4 KiB por array: arrays.FILE_SLACK y MEMBER_SLACK)",
    "npy_not_npy": "{label} no es un array .npy (no empieza con la marca de NumPy); escríbelo con numpy.save",
    "npy_is_npz": "esto es un archivo .npz: --input toma un único array .npy (numpy.save), en el layout de la especificación",
    "npz_is_npy": "esto es un array .npy: --weights toma un archivo .npz (numpy.savez) de arrays con claves capa.parámetro, como un state_dict de PyTorch",
    "npz_not_zip": "no es un archivo .npz (no es un zip): --weights toma el archivo de numpy.savez con arrays de claves capa.parámetro",
    "npy_version": "{label} está en la versión {version} del formato .npy; se leen las versiones 1.0 y 2.0",
    "npy_bad_header": "{label} tiene una cabecera .npy ilegible (un dict con 'descr', 'fortran_order' y 'shape')",
    "array_dtype": "{label} contiene {kind} ({dtype}); da números reales (un dtype de coma flotante o entero)",
    "kind_complex": "números complejos, cuya parte imaginaria se perdería",
    "kind_bool": "booleanos",
    "kind_object": "objetos de Python, que habría que deserializar con pickle (nunca se hace)",
    "kind_array_text": "texto",
    "kind_structured": "registros estructurados",
    "kind_time": "fechas u horas",
    "label_input": "la entrada",
    "label_key": "la clave '{key}'",
    "array_truncated": "{label} está cortado: su cabecera anuncia {expected} bytes de valores y el archivo tiene {received}",
    "array_trailing": "{label} tiene más bytes de los que anuncia su cabecera",
    "array_not_finite": "{label} tiene un valor NaN, infinito o fuera del rango de {dtype} (el dtype con el que se ejecuta la red) en el índice {index}; da números finitos",
    "npz_duplicate": "la clave '{key}' está dos veces en el archivo",
    "npz_member_too_large": "{label} ocupa {size} bytes sin comprimir, más que los {limit} bytes que puede necesitar su forma (8 bytes por valor + 4 KiB)",
    "npz_too_many": "el archivo tiene {count} entradas, más que las {limit} que puede tomar esta red (sus arrays + arrays.EXTRA_ENTRIES)",
    "npz_bad_member": "{label} no se puede leer del archivo (una entrada zip dañada o no admitida)",
    "npz_unknown_key": "la clave '{key}' no corresponde a ningún parámetro: {reason}",
    "npz_no_layer": "no nombra ninguna capa de la red{hint}",
    "npz_written_in_spec": "la clave '{key}' es un parámetro que la especificación ya escribe en sus weights:",
    "npz_missing": "no hay valores para {names}: con --weights cada parámetro que la especificación no escribe necesita uno (claves capa.parámetro, como un state_dict de PyTorch)",
    "received_not_numbers": "valores que no son todos números (true, false y el texto no lo son)",
    "received_ragged": "una lista irregular",
    "input_shape": "la entrada debe tener forma {expected} (una muestra, en el layout de la especificación) o un lote de ellas; se recibió {received}",
    "output_exists": "{path} ya existe; elige otro archivo o añade --force para reemplazarlo",
    "output_unwritable": "no se puede escribir: {reason}",
    "output_symlink": "no se puede escribir: es un enlace simbólico, y convcalc nunca escribe a través de uno; bórralo o elige otro archivo",
    "reason_no_such_file": "el archivo no existe",
    "reason_no_directory": "el directorio no existe",
    "reason_not_directory": "una parte de la ruta es un archivo, no un directorio",
    "reason_permission": "permiso denegado",
    "reason_read_only": "el sistema de archivos es de solo lectura",
    "reason_no_space": "no queda espacio en el dispositivo",
    "reason_is_directory": "es un directorio",
    "reason_exists_not_directory": "existe y no es un directorio",
    "reason_names_directory": "la ruta termina en /, así que nombra un directorio; da un nombre de archivo",
    "reason_file_too_large": "el archivo sería más grande de lo que el sistema permite",
    "lock_needs_output": "esta ruta no nombra ningún archivo junto al que escribir SPEC.lock.json; indica el archivo de bloqueo con -o",
    "lock_stdin_needs_output": "una especificación leída de la entrada estándar no da nombre al archivo de bloqueo: da -o ARCHIVO",
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
    "verify_against": "frente a {executor}: salida {output}, mayor diferencia {difference} (tolerancia {tolerance}): {verdict}",
    "verify_against_shape": "(su forma es distinta)",
    "expected_measured": "se esperaba {expected}, se midió {measured}",
    # explicaciones
    "unknown_layer": "no hay ninguna capa llamada '{name}'{hint}; capas: {valid}",
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
    "values_not_numbers": "escribe los valores como números en listas anidadas, p. ej. [[12, 12, 17], [10, 17, 19], [9, 6, 14]]",
    "values_ragged": "cada fila debe tener tantos valores como las demás, p. ej. [[12, 12, 17], [10, 17, 19], [9, 6, 14]]",
    "mistake_count_for_bytes": "es el número de valores; la memoria es valores x bytes por valor",
    "mistake_bytes_for_count": "es la memoria en bytes; las neuronas cuentan valores",
    "mistake_symbolic": "la cifra depende del tamaño de la entrada: da tamaños en la especificación",
    # presupuestos, bloqueos y diferencias
    # the figures budgets and diffs name (budget.FIGURES, snapshot.FIGURES)
    "figure_params": "parámetros",
    "figure_macs": "MACs",
    "figure_flops": "FLOPs",
    "figure_memory": "memoria",
    "figure_activation": "activaciones",
    "figure_training_memory": "memoria de entrenamiento",
    "github_consistent": "{name}: coherente",
    # las comprobaciones de los argumentos de la línea de órdenes
    "bad_input_sizes": "'{value}': escribe la entrada sin el lote, en el orden de la especificación, como tamaños "
                       "o símbolos: 3x160x160, 3xHxW (de 1 a 4 valores)",
    "bad_spec_parameter": "'{value}': escribe NAME=VALUE, p. ej. width=0.5",
    "spec_parameter_not_plain": "'{value}': el valor no es un número, una palabra ni true/false",
    "no_shipped_spec": "no hay ninguna especificación incluida llamada '{name}'{hint}; `convcalc specs` las enumera",
    "import_needs_a_source": "da un archivo .onnx, o --torch MODULE:ATTR con --input",
    "torch_needs_input": "--torch necesita --input, p. ej. --input 3x224x224",
    "diff_needs_two": "da dos archivos (BEFORE AFTER), o una especificación y --base REV",
    # las comprobaciones de los campos de cada capa (convcalc.layers)
    "v_per_axis": "da un entero o una lista de {rank} enteros para {field}",
    "v_at_least": "{field} debe ser >= {minimum}",
    "v_padding_pixels": "da números enteros de píxeles: uno, uno por eje, o pares [antes, después]",
    "v_padding_per_axis": "da un entero, una lista de {rank} enteros o de {rank} pares [antes, después]",
    "v_no_pytorch_same": "la capa de PyTorch no tiene `padding='same'`: escribe 'same' (la regla de TensorFlow) o los píxeles",
    "v_pytorch_same_stride": "'same_pytorch' necesita paso 1, como `padding='same'` de PyTorch (paso {strides}); 'same' es la regla de TensorFlow, que admite cualquier paso",
    "v_groups_divide": "los filtros ({filters}) deben ser un múltiplo de los grupos ({groups})",
    "v_table_rows": "da una lista de canales de entrada por filtro ({filters}), no {count}",
    "v_table_groups": "una tabla de conexiones sustituye a los grupos: da groups 1",
    "v_table_channels": "cada filtro lee una lista no vacía de canales de entrada distintos (0, 1, ...)",
    "v_output_size_alone": "output_size fija por sí mismo el relleno de salida: dalo sin output_padding y con un relleno numérico",
    "v_output_padding": "output_padding debe ser menor que max(stride, dilation) = {bound} (PyTorch)",
    "v_pool_padding_half": "el relleno ({padding}) debe ser como mucho la mitad del kernel ({kernel}//2 = {half}), como exige PyTorch; `padding_rule: onnx` admite el relleno mayor de ONNX y TensorFlow",
    "v_pool_padding_window": "el relleno ({padding}) debe ser menor que la ventana ({span}): una ventana leería solo relleno",
    "v_output_size": "da un entero o una lista de {rank} enteros (o null) para output_size",
    "v_output_size_most": "output_size puede ser como mucho {most} por eje",
    "v_crop_pixels": "da números de píxeles",
    "v_scales": "da un factor de escala o {rank}",
    "v_scale_number": "un factor de escala es un número o una fracción como 3/2, como mucho 2**63",
    "v_scale_positive": "el factor de escala debe ser > 0",
    "v_scale_or_size": "da exactamente uno de scale y size",
    "v_zeros_whole_scales": "el sobremuestreo con ceros ('bed of nails') necesita factores de escala enteros",
    "v_align_corners": "align_corners solo se aplica al sobremuestreo bilineal",
    "v_split_either": "da chunks (partes iguales) o sizes (una lista), no ambos ni ninguno",
    "v_split_two": "una división da al menos 2 salidas",
    "v_reshape_sizes": "da tamaños >= 1, como mucho uno de ellos -1",
    "v_axes_one": "nombra al menos un eje",
    "v_unpool_padding": "da el relleno del max pooling como números enteros; 'same' y 'full' no se deshacen",
    "v_unpool_dilation": "dilation debe ser 1: el max unpooling de PyTorch no tiene dilatación",
    "calc_bad_padding": "'{value}': escribe un número de píxeles (2, o 0x1 por eje), same, same_pytorch, valid o full",
    "not_a_size": "'{value}' no es un tamaño: escribe p. ej. 227x227x3, 3x227x227 o 227",
    "not_a_shape": "'{value}' no es una forma: escribe 55x55x96 o [96, 55, 55]",
    "count_or_more": "{count} o más",
    "count_to": "de {low} a {high}",
    "expr_unknown_parameter": "parámetro desconocido '{name}'",
    "expr_syntax": "no es una expresión (¿falta un signo o un paréntesis?)",
    "expr_too_deep": "anidada demasiado",
    "expr_divides_by_zero": "{division} divide por cero",
    "expr_too_long": "más larga de {most} caracteres",
    "expr_not_whole": "{equation} no es un número entero; floor(), ceil() o round() lo hacen entero",
    "expr_not_a_number": "el parámetro {name} es {value}, no un número",
    "expr_allowed": "solo se admiten enteros, decimales, nombres de parámetros, + - * / // %, comparaciones, and/or/not, `x if c else y`, max, min, floor, ceil, round, int, abs y paréntesis",
    "budget_exceeded": "{figure}: {value}, supera el presupuesto de {limit} en un {over}%",
    "budget_symbolic": "el presupuesto de {figure} no se puede comprobar con tamaños simbólicos; dalos con --set",
    "unknown_budget": "presupuesto desconocido '{figure}'{hint}; presupuestos: {valid}",
    "number_unreadable": "'{value}' no es un tamaño ni una cantidad: escribe p. ej. 34944, 34.944, 1,5M, 25_000_000 o 200MiB (sin exponentes)",
    "number_digits": "'{value}' tiene más de {digits} cifras; convcalc admite números hasta 2**63",
    "number_too_large": "'{value}' supera el mayor número que admite convcalc, {limit}",
    "number_not_whole": "'{value}' no es un número entero",
    "number_too_small": "'{value}' es menor que {low}",
    "number_in_file": "{problem}",
    "budget_unreadable": "no se puede leer el presupuesto de {figure}: {problem}",
    "bad_assignment": "'{value}': escribe NOMBRE=TAMAÑO con un tamaño de 1 a 2**63, p. ej. H=224",
    "bad_threshold": "'{value}': escribe CIFRA:+N o CIFRA:+N% con CIFRA una de {figures}",
    "size_too_large": "{layer}: un tamaño de {size} supera el mayor tamaño que admite convcalc, {limit}",
    "field_too_large": "{layer}: el {figure} del campo receptivo es {value}, más allá de la mayor cifra que admite convcalc, {limit}",
    "field_left": "borde izquierdo",
    "field_right": "borde derecho",
    "field_jump": "salto",
    "git_failed": "no se puede leer esta especificación en la revisión de git {revision}: {reason}",
    "git_not_a_commit": "no existe ese commit",
    "git_revision_option": "'{revision}' no puede ser una revisión de git: empieza por '-', y git lo leería como una opción",
    "git_revision_empty": "--base necesita una revisión de git, p. ej. origin/main o HEAD~1",
    "diff_title": "{before} -> {after}",
    "diff_side": "{name} ({source})",
    "diff_side_absent": "nada ({source} no existe)",
    "diff_absent_twice": "la especificación no existe ni aquí ni en {revision}",
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
    "quiz_avgpool": "La capa {layer} es una capa de pooling promedio ('average pooling') con ventana de "
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
    "quiz_key_beside_questions": "la clave de respuestas quedaría junto a las preguntas, en '{directory}': "
                                 "da otro directorio a --key-output",
    "quiz_bad_topic": "tema desconocido '{topic}'; temas: {valid} (una lista separada por comas, p. ej. conv,pool,dense)",
    # añadidos con el corpus de especificaciones erróneas
    "yaml_alias_loop": "este valor contiene un alias de sí mismo, así que no terminaría nunca",
    "train_only": "solo entrenamiento",
    "conv_mode_eval": "modo eval (por defecto; --mode train las cuenta): las capas marcadas train_only tienen sus "
                      "parámetros pero no se ejecutan, así que sus MACs, FLOPs y activaciones no entran en los totales",
    "conv_mode_train": "modo train: se ejecutan todas las capas, también las marcadas train_only",
    "train_only_cannot_run": "solo se ejecuta en entrenamiento (train_only) y no podría ejecutarse con esta entrada "
                             "({problem}); sus parámetros se cuentan, sus tamaños aquí no significan nada, y los "
                             "tamaños para los que la red es válida en modo eval no dependen de ella (--mode train "
                             "la comprueba)",
    "bad_train_only": "`train_only` es true o false",
    "unknown_spec_param": "--param menciona '{name}', que no es un parámetro de esta especificación (sus `params:`: "
                          "{known})",
    "reference_outside_block": "'{text}' se refiere a un parámetro, pero esta capa no está dentro de un bloque y "
                               "la especificación no tiene `params:`; escribe el valor, o declara el parámetro",
    "yaml_flow_reference": "YAML no válido: {problem}; dentro de {{...}} escribe \"${{...}}\" entre comillas, o usa $(...)",
    # salida al terminal y archivos mal formados: comprobaciones entre campos, ficheros lock, respuestas
    "invalid_fields": "{what}: {problem}",
    "yaml_alias_bomb": "más de {limit} valores una vez expandidos sus alias (¿una bomba de alias?)",
    "lock_empty": "el archivo de bloqueo está vacío; escribe uno con `convcalc lock SPEC`",
    "lock_not_json": "no es un archivo de bloqueo: no es JSON válido ({problem}); escribe uno con "
                     "`convcalc lock SPEC`",
    "lock_too_deep": "no es un archivo de bloqueo: su JSON está anidado a demasiada profundidad para leerlo",
    "lock_form": "no es un archivo de bloqueo de convcalc: es un objeto JSON con convcalc, name, layers y totals; "
                 "se recibió {got}",
    "lock_missing": "no es un archivo de bloqueo de convcalc: no tiene '{key}' (un archivo de bloqueo tiene "
                    "convcalc, name, layers y totals)",
    "lock_bad_value": "{where} es {got} en este archivo de bloqueo; debería ser {expected}",
    "lock_layer_missing": "{where} no tiene '{key}' en este archivo de bloqueo; cada capa tiene nombre (name) y "
                          "tipo (type)",
    "lock_expect_text": "una cadena",
    "lock_expect_layers": "una lista de capas",
    "lock_expect_layer": "una capa: un objeto con nombre (name) y tipo (type)",
    "lock_expect_name": "un nombre: una cadena no vacía",
    "lock_expect_figure": "un número entero, una expresión (una cadena) o null",
    "lock_expect_shape": "una lista de tamaños o null",
    "lock_expect_line": "un número de línea (un entero >= 1) o null",
    "lock_expect_totals": "un objeto de totales (params, macs, flops, memory, ...)",
    "kind_number": "un número",
    "kind_text": "una cadena",
    "kind_list": "una lista",
    "kind_mapping": "un mapeo (un objeto)",
    "kind_boolean": "true/false",
    "kind_null": "vacío (null)",
    "answers_layers_form": "`layers:` asocia a cada nombre de capa sus cifras, p. ej. "
                           "layers: {{conv1: {{params: 456}}}}; "
                           "se recibió {got}",
    "answers_figures_form": "las cifras de {where} van en un mapeo, p. ej. {{params: 456, output_shape: 28x28x6}}; "
                            "se recibió {got}",
    "answer_form": "la respuesta de {figure} es {got}; escribe un número (34944, 61M) o una forma (55x55x96)",
    "answers_empty": "no hay respuestas que comprobar: da cifras en `layers:` o `totals:` (0 de 0 correctas "
                     "aprobaría en un corrector automático)",

    # depth and subtotals (issue 14)
    "col_input": "forma de entrada",
    "group_layer": "1 capa",
    "group_layers": "{count} capas",
    "bad_depth": "'{value}' no es una profundidad: escribe un número entero (0 para la red entera, 1 para las "
                 "capas y grupos de primer nivel, ...) o {blocks} (una fila por uso de bloque)",

    # drawing (render.diagram, issue 15)
    "draw_purpose": "dibujar una red",
    "draw_needs_dot": "dibujar {format} necesita el programa dot de Graphviz: apt-get install graphviz (brew install "
                      "graphviz en macOS); .dot y .mmd no necesitan ningún programa",
    "draw_dot_failed": "el dot de Graphviz no pudo disponer la red: {reason}",
    "draw_too_many": "{boxes} cajas son demasiadas para disponerlas (como mucho {limit}): dibuja menos con --depth 1",
    "draw_unknown_format": "no se sabe el formato de la imagen por la extensión del nombre: usa .svg, .png, .pdf, "
                           ".dot o .mmd, o da --format",
    "draw_figures": "{params} parámetros · {macs} MACs",
    "draw_block": "{kind} · {layers} capas",
    "draw_input": "entrada",
    "draw_output": "salida",
    "draw_legend_cost": "parte de los {macs} MACs",
    "draw_legend_symbolic": "tamaños simbólicos: sin sombreado por coste (da --set o --input)",
    "draw_legend_error": "error (ver la descripción emergente)",
    "draw_legend_warning": "aviso (ver la descripción emergente)",
    "draw_elided": "… {layers} capas sin cambios",
    "draw_change_added": "añadida",
    "draw_change_removed": "eliminada",
    "draw_change_changed": "cambiada",
    "draw_change_renamed": "renombrada desde {old}",
    "draw_diagram_needs_markdown": "--diagram dibuja un diagrama Mermaid, que solo lleva --format markdown",

    # diagnostics: levels, codes, formats (issue 14)
    "strided_rounding": "a lo largo de {axis}, (W - F + 2P)/S = {numerator}/{stride} no es un número entero; "
                        "PyTorch lo redondea {rounding} a {result}, que es {size}/{stride} redondeado hacia arriba, "
                        "el tamaño que una capa con paso busca dar",
    "strided_rounding_strict": "a lo largo de {axis}, (W - F + 2P)/S = {numerator}/{stride} no es un número "
                               "entero (el modo estricto exige divisiones exactas; PyTorch lo redondearía "
                               "{rounding} a {result}, {size}/{stride} redondeado hacia arriba)",
    "strided_rounding_group": "la división por el paso en la fórmula del tamaño no es entera; PyTorch la "
                              "redondea al tamaño de la entrada dividido por el paso, redondeado hacia arriba, "
                              "como busca una capa con paso",
    "grouped_notes": "{count} capas: {summary} ({layers})",
    "more_layers": "{shown} y {more} más",
    "notes": "Notas",
    "unknown_code": "'{code}' no es el comienzo de ningún código de diagnóstico; los códigos: {codes}",
    "lint_settings_form": "{origin} debe ser un mapa con las claves {keys}, p. ej. {{ignore: [CC202]}}",
    "lint_settings_key": "{origin} no tiene el ajuste '{key}'; sus ajustes: {keys}",
    "lint_settings_list": "{origin}: '{key}' debe ser una lista de códigos o de prefijos de código, p. ej. "
                          "[CC2, CC401]",
    "pyproject_unreadable": "no se puede leer este pyproject.toml para sus ajustes [tool.convcalc]: {problem}",

    # plots and the HTML report (issue 15)
    "plot_purpose": "dibujar gráficos",
    "plot_suffix": "el nombre del archivo del gráfico termina en .png o .svg (el formato de imagen); se recibió "
                   "'{name}'",
    "plot_inconsistent": "la red tiene errores (convcalc analyze los muestra): solo se dibuja una red consistente",
    "plot_needs_sizes": "el gráfico {kind} necesita números, y la entrada es simbólica ({symbols}): da los tamaños "
                        "(--set, --input 3x224x224), o dibuja --kind scaling",
    "plot_needs_symbols": "el gráfico scaling muestra los costes en función del tamaño de la entrada: da una "
                          "entrada simbólica (--input 3xHxW)",
    "plot_no_valid_size": "ningún tamaño de entrada hasta {limit} cumple las condiciones de la red: no hay nada "
                          "que dibujar",
    "plot_no_field": "ninguna capa de esta red ve una ventana de su entrada (la entrada es plana): no hay campo "
                     "receptivo que dibujar",
    "plot_memory_title": "{name}: memoria de activaciones viva en cada paso (una pasada de inferencia)",
    "plot_costs_title": "{name}: parámetros, MACs y memoria de activaciones por capa",
    "plot_costs_depth_title": "{name}: parámetros, MACs y memoria de activaciones por grupo (--depth {depth})",
    "plot_field_title": "{name}: campo receptivo a lo largo de la red",
    "plot_scaling_title": "{name}: costes en función del tamaño de la entrada",
    "plot_alive": "memoria de activaciones viva",
    "plot_peak_at": "pico de {size} en {layer}",
    "plot_step": "capa (orden de ejecución)",
    "plot_field_axis": "campo receptivo ({axis})",
    "plot_jump": "salto (píxeles de entrada entre unidades vecinas)",
    "plot_input_size": "tamaño de la entrada ({size})",
    "plot_field_pixels": "píxeles de entrada",
    "plot_input_side": "tamaño de la entrada {symbols}",
    "plot_memory": "memoria",
    "plot_scaling_peak": "memoria pico de inferencia",
    "plot_scaling_training": "memoria de entrenamiento",
    "plot_scaling_activations": "todas las activaciones",
    "plot_written": "{path}: gráfico {kind}",
    "report_title": "Informe de convcalc: {name}",
    "report_totals": "Totales",
    "report_layers": "Capas",
    "report_plots": "Gráficos",
    "report_diagram": "Arquitectura",
    "report_no_diagram": "El diagrama de la arquitectura aparece aquí cuando convcalc puede dibujarlo "
                         "(convcalc draw).",
    "report_no_plots": "Sin gráficos: la red tiene errores (véase arriba).",
    "report_plots_need": "Los gráficos necesitan el paquete de Python matplotlib: pip install 'convcalc[plot]'",
    "report_collapse_all": "Plegar todos los bloques",
    "report_expand_all": "Desplegar todos los bloques",
    "report_block": "{name} ({kind}, línea {line}): {layers} capas",
    "report_made_by": "Hecho con convcalc {version}; la página no necesita red para abrirse.",

    # graph convolutions (issue 17)
    "graph_needs_edges": "una capa de grafo necesita las aristas del grafo: indique en la especificación graph: "
                         "{{edges: E}} (input: [N, F] son N nodos de F características)",
    "graph_needs_node_features": "una capa de grafo recibe N nodos de F características, (N, F); ha recibido {shape}",
    "fig_transform": "MACs en los nodos (transformación)",
    "fig_aggregation": "MACs por las aristas (agregación)",
    "fig_spectral": "una GCNConv en el mismo grafo",
    "graph_spectral_contrast": "filtrado espectral: esta ChebConv de orden K = {order} cuesta {ours} MACs, K "
                               "transformaciones y K - 1 propagaciones por las aristas, frente a {gcn} de la GCNConv "
                               "espacial de un salto",
    "graph_node_out_of_range": "la edge_list del grafo nombra el nodo {node}, pero la entrada tiene {nodes} nodos "
                               "(numerados desde 0)",

    # homework round 2 (issue 16)
    "ceil_dropped_note": "ceil da {count} ventanas, pero la ventana {count} empezaría en el píxel ({count} - 1)*{stride} - {low} = {start}, más allá del último píxel de la entrada, {last}, en el relleno de la derecha: PyTorch la descarta, lo que da {result}",
    "fig_padding": "relleno (total)",
    "fig_padding_before": "relleno antes",
    "fig_padding_after": "relleno después",
    "tconv_macs_note": "contadas sobre las posiciones de la entrada, cada una esparciendo sus productos, como las "
                       "cuentan fvcore y el contador de FLOPs de PyTorch; la convolución directa equivalente haría "
                       "{direct} = {value}, casi todas sobre los ceros insertados",
    "stretched_note": "ceros insertados entre píxeles vecinos de la entrada: S - 1 = {zeros}; {size} píxeles "
                      "pasan a ser {stretched}",
    "direct_note": "una convolución directa de paso {stride} con el mismo kernel de ancho {kernel} (volteado), sobre "
                   "la entrada estirada y con relleno (Dumoulin y Visin 2016)",
    "fig_shape_direct": "tamaño de salida, como convolución directa",
    "fig_stretched_input": "entrada estirada",
    "fig_equivalent_padding_before": "relleno equivalente antes",
    "fig_equivalent_padding_after": "relleno equivalente después",
    "fig_non_trainable": "parámetros no entrenables",
    "solve_title": "{kind}: {unknown} que da un tamaño de salida de {output}{given}",
    "solve_given": " a partir de {given}",
    "solve_values": "{symbol}{axis} = {values}",
    "solve_range": "{first} a {last}",
    "solve_every_from": "todo valor desde {first}",
    "solve_or": " o ",
    "solve_none": "{symbol}{axis}: ninguno da {output}: {reason}",
    "solve_between": "{symbol} = {below} da {below_out} y {symbol} = {above} da {above_out}; ningún valor da un "
                     "tamaño intermedio",
    "solve_at_most": "el mayor tamaño que da algún valor es {most} ({symbol} = {value})",
    "solve_at_least": "el menor tamaño que da algún valor es {least} ({symbol} = {value})",
    "solve_refused": "la capa rechaza todo valor (una ventana mayor que la entrada con relleno, o una salida menor "
                     "que 1)",
    "solve_one_unknown": "escribe ? en un solo valor (hay {count}: {names})",
    "solve_needs_output": "da el tamaño de salida buscado con --output cuando un valor es ? (p. ej. --padding ? "
                          "--output 32x32)",
    "solve_output_without_unknown": "--output es el tamaño buscado al despejar: escribe ? en el valor que hay que "
                                    "hallar (p. ej. --padding ? --output 32x32)",
    "solve_bad_output": "--output '{value}': escribe el tamaño espacial de la salida, 32 o 32x32",
    "solve_name_padding": "el relleno P",
    "solve_name_stride": "el paso S",
    "solve_name_kernel": "el tamaño del kernel F",
    "solve_name_dilation": "la dilatación d",
    "solve_name_input": "el tamaño de entrada W",
    "calc_looks_chw": "aviso: --input {given} se lee en el orden hwc como {height} filas de {width} columnas de "
                      "{depth} canales; si {height} es la profundidad, añade --layout chw (o escribe "
                      "{width}x{depth}x{height})",
    "mistake_keras_total": "este total incluye los parámetros no entrenables (la media y la varianza acumuladas de "
                           "BatchNorm), como los cuenta el resumen de Keras; los parámetros entrenables no los incluyen",
    "mistake_bias_additions_forgotten": "son 2 FLOPs por multiplicación-acumulación sin las sumas del sesgo: cada "
                                        "valor de salida suma su sesgo, 1 FLOP más",
    "mistake_tconv_macs_over_outputs": "contadas sobre las posiciones de salida, como en una convolución directa; una "
                                       "convolución transpuesta multiplica una vez por posición de entrada, toma del "
                                       "kernel y filtro (los demás productos de la directa equivalente caen en ceros "
                                       "insertados)",
    "note_batch_included": "escrita con el lote delante; la cifra es la misma",
    "note_square_field": "un solo número para un campo receptivo cuadrado, como es habitual",
    "follows_from": "se sigue correctamente de tu respuesta {answer} para {layer}",
    "check_follow_summary": "{count} más se siguen correctamente de una respuesta anterior errónea",
    "explain_network": "memoria de la red (lote {batch}, {dtype})",
    "fig_input_units": "tensor de entrada (valores)",
    "fig_input_memory": "memoria del tensor de entrada",
    "fig_activations": "salidas de las capas (valores)",
    "fig_activations_in_place": "salidas de las capas, ReLU in situ",
    "fig_forward_memory": "memoria de la pasada hacia delante (entrada y salidas guardadas)",
    "fig_with_gradients": "con sus gradientes (pasada hacia atrás)",
    "fig_im2col": "matriz de columnas de im2col (valores)",
    "fig_im2col_memory": "memoria de la matriz de columnas de im2col",
    "im2col_note": "una matriz de {rows} x {columns}{groups}: una columna por posición de salida, una fila "
                   "por peso de un filtro",
    "im2col_groups": " por grupo, {groups} en total",
    "connections_channel": "la tabla de conexiones lee el canal de entrada {channel}, pero la entrada tiene "
                           "{channels} canales (de 0 a {channels} - 1)",
    "torch_connection_table": "la convolución de PyTorch no tiene tabla de conexiones",
    "fig_connections": "conexiones (LeCun et al. 1998)",
    "fig_table_links": "pares (filtro, canal de entrada) de la tabla de conexiones",
    "mistake_connection_table_ignored": "se contó cada filtro sobre todos los canales de entrada; la tabla de "
                                        "conexiones une cada filtro solo con algunos canales",
    "no_connections": "la capa {layer} ({kind}) no tiene cifra de conexiones: LeCun et al. las cuentan para "
                      "convoluciones, submuestreo y capas densas",
    "onnx_connection_table": "la Conv de ONNX no tiene tabla de conexiones",

    # the bridges to the frameworks (convcalc.bridges)
    "needs_extra": "{purpose} necesita el paquete de Python {module}: pip install 'convcalc[{extra}]'",

    # importing ONNX files (bridges.onnx_import)
    "onnx_unreadable": "no es un modelo ONNX que convcalc pueda leer: {reason}",
    "onnx_no_nodes": "el grafo no tiene nodos",
    "onnx_too_large": "el archivo tiene {size} bytes, más de los 2 GiB que admite un mensaje protobuf; guarda el "
                      "modelo con sus tensores como datos externos (onnx.save(..., save_as_external_data=True))",
    "onnx_inputs": "el grafo necesita exactamente un tensor de entrada (además de sus inicializadores), tiene "
                   "{count}: {names}",
    "onnx_input_rank": "la entrada del grafo {name} tiene {rank} ejes; convcalc necesita (N, C, ...) con el lote "
                       "primero",
    "onnx_unsupported_op": "el nodo {index} ({node}) es un {op} de ONNX, una operación que convcalc no importa; "
                           "importa: {supported}",
    "onnx_unsupported_form": "nodo {index} ({node}): este {op} no tiene capa en convcalc: {reason}",
    "onnx_form": "sus atributos o entradas tienen una forma que ningún tipo de capa expresa ({attributes})",
    "onnx_only_constants": "convcalc solo la evalúa sobre constantes y formas; sobre los valores de la red ningún "
                           "tipo de capa la calcula",
    "onnx_not_static": "una entrada que debería ser constante se calcula a partir de los valores de la red",
    "onnx_fold_failed": "nodo {index} ({node}): no se pudo evaluar el {op} de valores constantes: {reason}",
    "onnx_layer_refused": "nodo {index} ({node}): el {op} leído como capa {kind} es rechazado: {reason}",

    # exporting ONNX files (bridges.onnx_export)
    "onnx_export_too_large": "{parameters} parámetros ocupan {size} GiB en float32, más de los 2 GiB que caben en un "
                      "archivo ONNX sin datos externos",
    "onnx_no_equivalent": "capa {layer} ({kind}): convcalc no tiene forma ONNX para este tipo, así que no se puede "
                          "exportar",
    "onnx_export_layer_refused": "la capa {layer} ({kind}) no se puede escribir en ONNX: {reason}",
    "onnx_symbolic_parameter": "capa {layer}: el parámetro {name} tiene la forma simbólica ({shape}); da tamaños "
                               "a los símbolos (--set, --input) para exportar sus pesos",
    "onnx_transposed_size": "su relleno de salida dependería del tamaño simbólico de la entrada; da el tamaño "
                            "(--set)",
    "onnx_ceil_symbolic": "en modo ceil sobre un tamaño simbólico su última ventana no se puede rellenar en ONNX; "
                          "da el tamaño (--set)",
    "onnx_adaptive_symbolic": "el pooling adaptativo a {sizes} de un tamaño simbólico no tiene una ventana ONNX "
                              "fija; da el tamaño (--set), o reduce a 1",
    "onnx_layernorm_symbolic": "sin affine, su escala de unos necesita los tamaños normalizados como números; da "
                               "el tamaño (--set)",

    # importing PyTorch models (bridges.torch_import)
    "torch_target_syntax": "--torch {target}: escribe MÓDULO:ATRIBUTO, p. ej. torchvision.models:resnet50",
    "torch_target_missing": "--torch {target}: no se puede importar ({problem})",
    "torch_target_not_callable": "--torch {target}: no es invocable (da una función constructora o una clase "
                                 "nn.Module)",
    "torch_target_failed": "--torch {target}: la llamada falló: {problem}",
    "torch_target_not_module": "{target} da {got}, no un torch.nn.Module",
    "torch_input_numeric": "importar un modelo de PyTorch necesita tamaños de entrada numéricos, no {shape}",
    "torch_trace_failed": "torch.fx no puede trazar el modelo: {problem}",
    "torch_shapes_failed": "el modelo no funciona con la entrada {shape}: {problem}",
    "torch_several_inputs": "el modelo toma más de una entrada ({node}); las especificaciones de convcalc tienen una",
    "torch_no_layers": "el modelo trazado no tiene capas",
    "torch_batch_mixed": "el nodo trazado {node}{line} da un tensor de forma {shape} cuyo primer eje no es el "
                         "lote: las capas de convcalc mantienen el lote aparte",
    "torch_unmapped_module": "el módulo {name} ({kind}, el nodo trazado {node}{line}) no tiene tipo de capa en "
                             "convcalc",
    "torch_unmapped_function": "{name} (el nodo trazado {node}{line}) no tiene tipo de capa en convcalc",
    "torch_unmapped_source": "{name} (el nodo trazado {node}{line}) lee un tensor que ninguna capa da (uno creado "
                             "dentro del modelo)",
    "torch_unsupported": "{target} (el nodo trazado {node}{line}): {problem}",
    "torch_option_refused": "{option}={value} no tiene equivalente en convcalc",
    "torch_dim_refused": "dim {value} no se admite aquí (da los canales: {expected})",
    "torch_batch_axis": "actúa sobre el eje del lote (dim {value})",

    # exporting PyTorch source (bridges.torch_export)
    "torch_export_reserved": "capa {layer}: los módulos de PyTorch tienen un atributo {part}, así que ningún "
                             "módulo puede llamarse así; cambie el nombre de la capa",
    "torch_export_inconsistent": "la red tiene errores (convcalc analyze los muestra): solo una red coherente se "
                                 "escribe en PyTorch",
    "torch_export_unsupported": "capa {layer}: convcalc no sabe escribir una capa {kind} como código PyTorch",
    "torch_export_refused": "la capa {layer} ({kind}) no se puede escribir en PyTorch: {reason}",
    "torch_export_prefix": "capa {layer}: otras capas tienen nombres que empiezan por '{layer}.', y un módulo de "
                           "PyTorch no puede contener además los módulos con nombres debajo del suyo; cambie el "
                           "nombre de una de ellas",
    "torch_size_symbolic": "su {field} sería {value}, que depende de los tamaños simbólicos de la entrada; deles "
                           "valores (--set, --input)",
    "torch_same_symbolic": "el relleno 'same' con paso {stride} rellena una cantidad que depende del tamaño de la "
                           "entrada; dé valores a los tamaños (--set, --input)",
    "torch_no_dilation": "el pooling de este tipo de PyTorch no tiene dilatación",
    "torch_pad_excluded": "con count_include_pad: false el relleno debe ser igual en ambos lados y de como mucho "
                          "la mitad del núcleo, como lo admite el 'average pooling' de PyTorch",
    "torch_ceil_padding": "con ceil_mode, este relleno aplicado antes del pooling redondearía el tamaño de salida "
                          "de otra manera",
    "torch_unpool_padding": "el max unpooling de PyTorch rellena ambos lados por igual con como mucho la mitad "
                            "del núcleo",

    # blocks found in imported specs (bridges.blocks)

    # the Python API (convcalc.api)

    # spec reading errors (pydantic and YAML problems)
    "the_spec": "especificación",
    "key_with_aliases": "{key} (o {aliases})",
    "listed_and": "{first}, {then}",
    "listed_or": "{first} o {last}",
    "count_item": "{count} elemento",
    "count_items": "{count} elementos",
    "pydantic_expected": "se esperaba {kinds}",
    "expected_integer": "un número entero",
    "expected_number": "un número",
    "expected_boolean": "un booleano (true o false)",
    "expected_text": "un texto",
    "expected_list": "una lista",
    "expected_mapping": "un mapeo ({{clave: valor}})",
    "pydantic_one_of": "uno de {words}",
    "pydantic_greater_than": "debe ser mayor que {gt}",
    "pydantic_greater_than_equal": "debe ser mayor o igual que {ge}",
    "pydantic_less_than": "debe ser menor que {lt}",
    "pydantic_less_than_equal": "debe ser menor o igual que {le}",
    "pydantic_string_pattern_mismatch": "debe seguir el patrón '{pattern}'",
    "pydantic_bool_parsing": "se esperaba true o false",
    "pydantic_finite_number": "se esperaba un número finito",
    "pydantic_int_from_float": "se esperaba un número entero, sin parte decimal",
    "pydantic_int_parsing": "se esperaba un número entero",
    "pydantic_too_short": "debe tener al menos {items}, no {actual}",
    "pydantic_too_long": "debe tener como mucho {items}, no {actual}",
    "pydantic_other": "el valor no tiene la forma que se espera aquí",
    "size_reserved_word": "'{name}' es una palabra reservada; da otro nombre al tamaño (H, W, N, ...)",
    "size_not_boolean": "un tamaño es un número entero o un símbolo, no true/false",
    "graph_edges_missing": "da las aristas del grafo: su número (edges: E) o la lista (edge_list)",
    "graph_edge_lists": "da dos listas de la misma longitud: los orígenes y luego los destinos",
    "graph_self_loop": "una arista de un nodo a sí mismo: no incluyas bucles (GCNConv y GATConv añaden uno en "
                       "cada nodo)",
    "graph_edge_count": "edge_list tiene {count} aristas",
    "yaml_unclosed_list": "no se encontró la ',' o el ']' que se esperaba (¿una lista [...] sin cerrar?)",
    "yaml_unclosed_mapping": "no se encontró la ',' o la '}}' que se esperaba (¿un mapeo {{...}} sin cerrar?)",
    "yaml_unclosed_flow": "sangría incorrecta, o un '[' o una '{{' sin cerrar",
    "yaml_mapping_values": "aquí no se admite un valor de mapeo (¿un ':' de más, o una sangría incorrecta?)",
    "yaml_mapping_keys": "aquí no se admite una clave de mapeo",
    "yaml_list_entries": "aquí no se admite un elemento de lista ('- ')",
    "yaml_expected_colon": "no se encontró el ':' que se esperaba",
    "yaml_expected_key": "no se encontró la clave que se esperaba (revisa la sangría)",
    "yaml_block_end": "aquí debería terminar el bloque sangrado (revisa la sangría)",
    "yaml_expected_dash": "no se encontró el '-' de un elemento de lista (revisa la sangría)",
    "yaml_bad_character": "el carácter '{character}' no puede empezar un valor (YAML lo reserva): escribe el texto "
                          "entre comillas",
    "yaml_undefined_alias": "alias no definido: ningún ancla (&nombre) anterior tiene su nombre",
    "yaml_duplicate_anchor": "esta ancla (&nombre) tiene el nombre de otra anterior",
    "yaml_unknown_escape": "secuencia de escape desconocida en una cadena entre comillas dobles (escribe \\\\ para "
                           "una barra invertida)",
    "yaml_hex_escape": "se esperaba una cifra hexadecimal en la secuencia de escape",
    "yaml_end_of_stream": "el archivo termina antes que este valor (¿unas comillas sin cerrar?)",
    "yaml_expected_value": "aquí se esperaba un valor",
    "yaml_document_start": "hay algo tras el final del documento (uno nuevo empieza con '---')",
    "yaml_document_marker": "marca de documento ('---' o '...') inesperada",
    "yaml_unexpected_colon": "':' inesperado",
    "yaml_tab_in_indentation": "un tabulador donde se esperaba un espacio de sangría",
    "yaml_anchor_name": "se esperaba una letra o una cifra (el nombre de un ancla & o de un alias *)",
    "yaml_indentation_indicator": "el indicador de sangría de un bloque de texto va de 1 a 9",
    "yaml_expected_space": "se esperaba un espacio",
    "yaml_expected_line_end": "se esperaba un comentario o un salto de línea",
    "yaml_tag_handle": "prefijo de etiqueta (!...!) no definido",
    "yaml_tag_end": "no se encontró el '>' que cierra la etiqueta",
    "yaml_unknown_directive": "directiva (%...) desconocida",
    "yaml_duplicate_directive": "una directiva (%YAML o %TAG) repetida",
    "yaml_incompatible": "documento YAML incompatible (se necesita la versión 1.x)",
    "yaml_unknown_problem": "no se entiende lo escrito a partir de aquí",
    # the layer reference (convcalc layers)
    "layers_inputs": "entradas: {count}",
    "layers_alias": "o",
    "layers_required": "obligatorio",
    "layers_default": "por defecto: {value}",
    "layers_figure_shape": "forma",
    "layers_figure_params": "parámetros",
    "layers_figure_macs": "MACs",
    "layers_figure_receptive_field": "campo receptivo",
    "layers_figure_flops": "FLOPs",
    "layers_entry_keys": "Toda entrada, sea del tipo que sea, admite además:",
}
