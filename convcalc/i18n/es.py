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
}
