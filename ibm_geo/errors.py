"""Typed errors with a code and parameters: the one place where every user-facing failure is
declared, so the CLI prints one line and the app shows it in the chosen language.

A failure caused by user input (a file, a scenario, a CLI option, a quota) is raised as
``UserError("code", **params)``. Its message is looked up in :data:`MESSAGES` by code and language
and formatted with the parameters, so no caller ever matches an English sentence by substring and
adding an error touches this file only. ``tests`` check that every code raised exists here and
that both languages name the same parameters.

Sections below are per domain (one per issue area) so that parallel work adds codes without
touching each other's lines.
"""

from __future__ import annotations

import string
from typing import Any

#: code -> {"id": template, "en": template}; templates use ``{param}`` fields. Every message
#: says what is wrong, where (file/table, column or key) and what to do.
MESSAGES: dict[str, dict[str, str]] = {
    # --- generic -----------------------------------------------------------------------------
    "input.generic": {
        "id": "{table}{where}: {detail}",
        "en": "{table}{where}: {detail}",
    },
    # --- inputs: files, tables, boundaries (issue 10) ----------------------------------------
    "input.not_found": {
        "id": "{file}: berkas tidak ditemukan atau tidak dapat dibaca ({detail}); periksa jalurnya",
        "en": "{file}: file not found or not readable ({detail}); check the path",
    },
    "input.empty": {
        "id": "{file}: berkas kosong; pilih berkas yang berisi tabel",
        "en": "{file}: the file is empty; choose the file that holds the table",
    },
    "input.header_only": {
        "id": "{file}: hanya ada baris judul kolom (baris {row}), tidak ada baris data; "
        "isi datanya atau pilih berkas lain",
        "en": "{file}: only a header row (row {row}) and no data rows; fill in the data or "
        "choose another file",
    },
    "input.csv_unreadable": {
        "id": "{file}: tidak dapat dibaca sebagai CSV ({detail}); simpan ulang sebagai CSV "
        "(pemisah ; atau ,) atau XLSX",
        "en": "{file}: cannot be read as CSV ({detail}); save it again as CSV (; or , separated) "
        "or XLSX",
    },
    "input.binary": {
        "id": "{file}: bukan tabel teks maupun XLSX (isi biner); simpan sebagai CSV atau XLSX",
        "en": "{file}: neither a text table nor XLSX (binary content); save it as CSV or XLSX",
    },
    "input.xlsx_unreadable": {
        "id": "{file}: lembar kerja tidak dapat dibaca ({detail}); simpan sebagai .xlsx atau .csv",
        "en": "{file}: cannot read the spreadsheet ({detail}); save it as .xlsx or .csv",
    },
    "input.no_location_column": {
        "id": "{file}, kolom 'kelurahan': tidak ada kolom lokasi (perlu kode, kelurahan/desa, "
        "lat+lon atau koordinat); kolom yang ada: {found}. Ganti nama judul kolom atau "
        "petakan kolomnya",
        "en": "{file}, column 'kelurahan': no location column (need kode, kelurahan/desa, lat+lon "
        "or koordinat); columns found: {found}. Rename the header or map the column",
    },
    "input.sheets_differ": {
        "id": "{file}: lembar {sheets} berisi tabel dengan judul kolom berbeda; pilih satu "
        "lembar dengan --sheet NAMA (atau kotak pilihan lembar di aplikasi)",
        "en": "{file}: sheets {sheets} hold tables with different headers; choose one with "
        "--sheet NAME (or the sheet box in the app)",
    },
    "input.sheet_unknown": {
        "id": "{file}: tidak ada lembar '{sheet}'; lembar yang ada: {sheets}",
        "en": "{file}: no sheet '{sheet}'; sheets in the file: {sheets}",
    },
    "input.no_table": {
        "id": "{file}: tidak ditemukan tabel (baris judul kolom) di lembar mana pun; "
        "lembar: {sheets}",
        "en": "{file}: no table (header row) found on any sheet; sheets: {sheets}",
    },
    "input.file_too_large": {
        "id": "{file}: berkas {size_mb} MB melebihi batas {limit_mb} MB; naikkan batas dengan "
        "variabel lingkungan {env} atau pecah berkasnya",
        "en": "{file}: the file is {size_mb} MB, over the limit of {limit_mb} MB; raise it with "
        "the environment variable {env} or split the file",
    },
    "input.member_too_large": {
        "id": "{file}: bagian '{member}' mengembang menjadi {size_mb} MB, melebihi batas "
        "{limit_mb} MB; naikkan batas dengan {env} bila berkas ini memang sebesar itu",
        "en": "{file}: member '{member}' inflates to {size_mb} MB, over the limit of {limit_mb} "
        "MB; raise it with {env} if the file really is that large",
    },
    "input.member_ratio": {
        "id": "{file}: bagian '{member}' dikompresi {ratio}:1, melebihi batas {limit}:1 (bom "
        "zip?); naikkan batas dengan {env} bila berkas ini dapat dipercaya",
        "en": "{file}: member '{member}' is compressed {ratio}:1, over the limit of {limit}:1 "
        "(zip bomb?); raise it with {env} if you trust the file",
    },
    "input.too_many_rows": {
        "id": "{file}: {rows} baris melebihi batas {limit}; naikkan batas dengan {env} atau "
        "pecah berkasnya",
        "en": "{file}: {rows} rows, over the limit of {limit}; raise it with {env} or split the "
        "file",
    },
    "input.too_many_vertices": {
        "id": "{file}: {vertices} titik sudut poligon melebihi batas {limit}; sederhanakan "
        "batas wilayah atau naikkan batas dengan {env}",
        "en": "{file}: {vertices} polygon vertices, over the limit of {limit}; simplify the "
        "boundaries or raise it with {env}",
    },
    "boundaries.unreadable": {
        "id": "{file}: batas wilayah tidak dapat dibaca ({detail}); gunakan GeoJSON, GeoPackage, "
        "Shapefile dalam ZIP, GeoParquet atau dump .sql",
        "en": "{file}: cannot read the boundaries ({detail}); use GeoJSON, GeoPackage, a zipped "
        "Shapefile, GeoParquet or a .sql dump",
    },
    "boundaries.is_table": {
        "id": "{file}: ini tabel tanpa geometri (kolom: {columns}), bukan batas wilayah; berikan "
        "berkas poligon kelurahan/desa di --boundaries dan tabel ini di --clients/--agents",
        "en": "{file}: this is a table without geometry (columns: {columns}), not boundaries; "
        "give the kelurahan/desa polygon file to --boundaries and this table to "
        "--clients/--agents",
    },
    "boundaries.is_table_no_header": {
        "id": "{file}: ini tabel ({n} kolom, tanpa geometri), bukan batas wilayah; berikan berkas "
        "poligon kelurahan/desa di --boundaries",
        "en": "{file}: this is a table ({n} columns, no geometry), not boundaries; give the "
        "kelurahan/desa polygon file to --boundaries",
    },
    "boundaries.no_features": {
        "id": "{file}: tidak ada fitur di berkas batas wilayah",
        "en": "{file}: no features in the boundary file",
    },
    "boundaries.no_polygons": {
        "id": "{file}: tidak ada poligon (geometri yang ada: {kinds}); batas wilayah harus "
        "berupa poligon kelurahan/desa",
        "en": "{file}: no polygons (geometries found: {kinds}); boundaries must be kelurahan/desa "
        "polygons",
    },
    "boundaries.no_name_column": {
        "id": "{file}, kolom 'nama': kolom nama desa tidak ditemukan (harapkan nama, WADMKD, "
        "NAME_4 atau name); kolom yang ada: {columns}. Petakan kolomnya",
        "en": "{file}, column 'nama': cannot find the village name column (expected nama, "
        "WADMKD, NAME_4 or name); columns found: {columns}. Map the column",
    },
    "boundaries.unknown_crs": {
        "id": "{file}: berkas tanpa CRS dan koordinatnya ({bounds}) bukan derajat maupun UTM/"
        "Web Mercator Indonesia; simpan ulang dengan CRS (mis. EPSG:4326)",
        "en": "{file}: no CRS in the file and its coordinates ({bounds}) are neither degrees nor "
        "an Indonesian UTM/Web Mercator range; save it again with a CRS (e.g. EPSG:4326)",
    },
    "boundaries.utm_zone_unknown": {
        "id": "{file}: berkas tanpa CRS; koordinatnya ({bounds}) tampak meter UTM tetapi zonanya "
        "tidak diketahui (tidak ada kode desa); simpan ulang dengan CRS-nya, mis. EPSG:32750 "
        "(UTM 50S) untuk Bali/NTB",
        "en": "{file}: no CRS in the file; its coordinates ({bounds}) look like UTM metres but "
        "the zone is unknown (no village codes); save it again with its CRS, e.g. EPSG:32750 "
        "(UTM 50S) for Bali/NTB",
    },
    "boundaries.sql_empty": {
        "id": "{file}: tidak ada baris wilayah_boundaries (kode, nama, lat, lng, path); berikan "
        "dump .sql dari tabel wilayah_boundaries",
        "en": "{file}: no wilayah_boundaries rows (kode, nama, lat, lng, path) found; give a .sql "
        "dump of the wilayah_boundaries table",
    },
    "boundaries.layers_ask": {
        "id": "{file}: beberapa lapisan poligon ({layers}); pilih satu dengan --layer NAMA",
        "en": "{file}: several polygon layers ({layers}); choose one with --layer NAME",
    },
    "boundaries.layer_unknown": {
        "id": "{file}: tidak ada lapisan '{layer}'; lapisan yang ada: {layers}",
        "en": "{file}: no layer '{layer}'; layers in the file: {layers}",
    },
    # --- scenario and CLI options (issue 10) --------------------------------------------------
    "scenario.unreadable": {
        "id": "{file}: skenario tidak dapat dibaca ({detail})",
        "en": "{file}: cannot read the scenario ({detail})",
    },
    "scenario.syntax": {
        "id": "{file}, baris {line}: {fmt} tidak sah ({detail}); perbaiki baris itu atau tulis "
        "ulang default dengan `ibm-geo scenario`",
        "en": "{file}, line {line}: invalid {fmt} ({detail}); fix that line or write the "
        "defaults with `ibm-geo scenario`",
    },
    "scenario.invalid": {
        "id": "{file}: {problems}",
        "en": "{file}: {problems}",
    },
    "scenario.unknown_key": {
        "id": "kunci '{key}' tidak dikenal; kunci yang sah: {allowed}",
        "en": "unknown key '{key}'; valid keys: {allowed}",
    },
    "scenario.bound": {
        "id": "'{key}' = {value} harus {op} {limit}",
        "en": "'{key}' = {value} must be {op} {limit}",
    },
    "scenario.not_number": {
        "id": "'{key}' = {value} bukan angka",
        "en": "'{key}' = {value} is not a number",
    },
    "scenario.not_int": {
        "id": "'{key}' = {value} bukan bilangan bulat",
        "en": "'{key}' = {value} is not a whole number",
    },
    "scenario.not_bool": {
        "id": "'{key}' = {value} bukan true/false",
        "en": "'{key}' = {value} is not true/false",
    },
    "scenario.not_text": {
        "id": "'{key}' = {value} bukan teks",
        "en": "'{key}' = {value} is not text",
    },
    "scenario.not_list": {
        "id": "'{key}' = {value} bukan daftar [..]",
        "en": "'{key}' = {value} is not a list [..]",
    },
    "scenario.not_table": {
        "id": "'{key}' = {value} bukan tabel (bagian [..] / {{..}})",
        "en": "'{key}' = {value} is not a table ([..] section / {{..}})",
    },
    "scenario.not_finite": {
        "id": "'{key}' harus bilangan terhingga (bukan NaN/inf)",
        "en": "'{key}' must be a finite number (not NaN/inf)",
    },
    "scenario.choice": {
        "id": "'{key}' = {value} harus salah satu dari {expected}",
        "en": "'{key}' = {value} must be one of {expected}",
    },
    "scenario.missing": {
        "id": "'{key}' wajib diisi",
        "en": "'{key}' is required",
    },
    "scenario.weights_zero": {
        "id": "'weights': minimal satu bobot harus positif",
        "en": "'weights': at least one weight must be positive",
    },
    "scenario.breaks": {
        "id": "'fixed_breaks' = {value}: klasifikasi 'fixed' perlu batas kelas yang tidak "
        "kosong, terhingga dan naik, mis. [20, 40, 60, 80, 100]",
        "en": "'fixed_breaks' = {value}: classification 'fixed' needs non-empty, finite, "
        "increasing class breaks, e.g. [20, 40, 60, 80, 100]",
    },
    "scenario.statuses": {
        "id": "'{key}': status tidak dikenal {value}; gunakan {expected}",
        "en": "'{key}': unknown status {value}; use {expected}",
    },
    "scenario.year_range": {
        "id": "'filters': year_min {year_min} lebih besar dari year_max {year_max}",
        "en": "'filters': year_min {year_min} is greater than year_max {year_max}",
    },
    "scenario.phase_limit": {
        "id": "'plan.phases': tahun {year} perlu 'groups' (jumlah kelompok) atau 'budget'",
        "en": "'plan.phases': year {year} needs 'groups' (number of groups) or 'budget'",
    },
    "scenario.phase_years": {
        "id": "'plan.phases': tahun harus berurutan naik tanpa ulang, tertulis {years}",
        "en": "'plan.phases': years must increase without repeats, got {years}",
    },
    "scenario.other": {
        "id": "'{key}': {detail}",
        "en": "'{key}': {detail}",
    },
    "cli.missing_option": {
        "id": "opsi {option} wajib diisi; lihat `ibm-geo {command} --help`",
        "en": "option {option} is required; see `ibm-geo {command} --help`",
    },
    "cli.no_such_option": {
        "id": "opsi {option} tidak dikenal; lihat `ibm-geo {command} --help`",
        "en": "no such option {option}; see `ibm-geo {command} --help`",
    },
    "cli.no_such_command": {
        "id": "perintah '{name}' tidak dikenal; perintah yang ada: {commands}",
        "en": "no such command '{name}'; commands: {commands}",
    },
    "cli.bad_value": {
        "id": "nilai opsi {option} tidak sah ({detail}); lihat `ibm-geo {command} --help`",
        "en": "invalid value for {option} ({detail}); see `ibm-geo {command} --help`",
    },
    "cli.internal": {
        "id": "kesalahan internal ({detail}); laporkan ke pengembang beserta perintahnya "
        "(IBM_GEO_DEBUG=1 menampilkan rinciannya)",
        "en": "internal error ({detail}); report it with the command you ran "
        "(IBM_GEO_DEBUG=1 shows the details)",
    },
    "cli.usage": {
        "id": "{detail}; lihat `ibm-geo {command} --help`",
        "en": "{detail}; see `ibm-geo {command} --help`",
    },
    "cli.out_is_file": {
        "id": "--out {path}: sudah ada sebagai berkas; --out harus folder (dibuat bila belum ada)",
        "en": "--out {path}: exists as a file; --out must be a folder (created when missing)",
    },
    "cli.out_unwritable": {
        "id": "--out {path}: tidak dapat ditulis ({detail}); pilih folder lain",
        "en": "--out {path}: cannot be written ({detail}); choose another folder",
    },
    # --- privacy / disclosure control (issue 9) -----------------------------------------------
    "privacy.k_floor": {
        "id": "Skenario, kunci 'suppression_k': {k} terlalu kecil; angka 1 sampai k-1 akan "
        "menunjukkan orang per orang. Gunakan {floor} atau lebih (bawaan 5).",
        "en": "Scenario, key 'suppression_k': {k} is too small; counts 1 to k-1 would show single "
        "people. Use {floor} or more (default 5).",
    },
    # --- score, plan, pilots, matching (issue 11) --------------------------------------------
    "plan.quota_unknown_kab": {
        "id": "Skenario, plan.{option}: kab/kota '{kab}' tidak ada di antara lokasi kandidat. "
        "Tulis salah satu nama ini persis: {valid}.",
        "en": "Scenario, plan.{option}: kab/kota '{kab}' is not among the candidate sites. "
        "Write one of these names exactly: {valid}.",
    },
    "plan.quota_min_above_max": {
        "id": "Skenario, plan.min_per_kab: minimal {min} kelompok di {kab} melebihi "
        "plan.max_per_kab {max}. Turunkan minimum atau naikkan maksimum.",
        "en": "Scenario, plan.min_per_kab: at least {min} groups in {kab} exceeds "
        "plan.max_per_kab {max}. Lower the minimum or raise the maximum.",
    },
    "plan.quota_min_above_candidates": {
        "id": "Skenario, plan.min_per_kab: minimal {min} kelompok di {kab}, tetapi hanya {n} "
        "lokasi kandidat yang boleh dipilih di sana. Turunkan minimum atau kurangi "
        "plan.forbidden.",
        "en": "Scenario, plan.min_per_kab: at least {min} groups in {kab}, but only {n} "
        "candidate sites there may be chosen. Lower the minimum or shorten plan.forbidden.",
    },
    "plan.quota_min_above_p": {
        "id": "Skenario, plan.min_per_kab: jumlah minimum {total} kelompok ({mins}) melebihi "
        "plan.p = {p} kelompok baru. Naikkan jumlah kelompok (--groups) atau turunkan minimum.",
        "en": "Scenario, plan.min_per_kab: the minimums add up to {total} groups ({mins}), more "
        "than plan.p = {p} new groups. Raise the number of groups (--groups) or lower the "
        "minimums.",
    },
    "whynot.unknown": {
        "id": "Kelurahan/desa '{name}' tidak ada di batas wilayah. Mungkin maksudnya: {options}. "
        "Tulis nama persis atau kodenya.",
        "en": "Kelurahan/desa '{name}' is not in the boundaries. Did you mean: {options}? "
        "Write the exact name or its kode.",
    },
    "whynot.ambiguous": {
        "id": "Ada beberapa kelurahan/desa bernama '{name}': {options}. Tambahkan --kecamatan "
        "atau tulis kodenya.",
        "en": "Several kelurahan/desa are called '{name}': {options}. Add --kecamatan or write "
        "its kode.",
    },
    "plan.quota_min_above_budget": {
        "id": "Skenario, plan.min_per_kab: {total} kelompok minimum berbiaya {cost}, melebihi "
        "plan.budget {budget}. Naikkan anggaran atau turunkan minimum.",
        "en": "Scenario, plan.min_per_kab: the {total} minimum groups cost {cost}, more than "
        "plan.budget {budget}. Raise the budget or lower the minimums.",
    },
    # why the exact solver did not answer (the plan is then greedy; ``plan.result``)
    "plan.fallback.highs": {
        "id": "HiGHS: {status}",
        "en": "HiGHS: {status}",
    },
    "plan.fallback.too_large": {
        "id": "model berkapasitas terlalu besar untuk solver eksak ({pairs} pasangan)",
        "en": "capacitated model too large for the exact solver ({pairs} pairs)",
    },
    # HiGHS model statuses a fallback names (``Highs.modelStatusToString``)
    "plan.highs.time_limit_reached": {"id": "batas waktu tercapai", "en": "Time limit reached"},
    "plan.highs.iteration_limit_reached": {
        "id": "batas iterasi tercapai",
        "en": "Iteration limit reached",
    },
    "plan.highs.solution_limit_reached": {
        "id": "batas jumlah solusi tercapai",
        "en": "Solution limit reached",
    },
    "plan.highs.memory_limit_reached": {
        "id": "batas memori tercapai",
        "en": "Memory limit reached",
    },
    "plan.highs.infeasible": {"id": "model tidak layak", "en": "Infeasible"},
    "plan.highs.unbounded": {"id": "model tidak terbatas", "en": "Unbounded"},
    "plan.highs.primal_infeasible_or_unbounded": {
        "id": "model tidak layak atau tidak terbatas",
        "en": "Primal infeasible or unbounded",
    },
    "plan.highs.interrupted_by_user": {"id": "dihentikan", "en": "Interrupted by user"},
    "plan.highs.solve_error": {"id": "galat saat menghitung", "en": "Solve error"},
    "plan.highs.model_error": {"id": "galat pada model", "en": "Model error"},
    "plan.highs.unknown": {"id": "status tidak diketahui", "en": "Unknown"},
    # --- roads (issue 12) ---------------------------------------------------------------------
    "roads.format": {
        "id": "{file}: bukan ekstrak OpenStreetMap yang dikenali; gunakan berkas {suffixes} "
        "(mis. ekstrak provinsi dari download.geofabrik.de)",
        "en": "{file}: not a recognised OpenStreetMap extract; use a {suffixes} file "
        "(e.g. a province extract from download.geofabrik.de)",
    },
    "roads.unreadable": {
        "id": "{file}: ekstrak OpenStreetMap tidak dapat dibaca ({detail}); ekspor ulang sebagai "
        ".osm.pbf atau .osm",
        "en": "{file}: the OpenStreetMap extract cannot be read ({detail}); export it again as "
        ".osm.pbf or .osm",
    },
    "roads.no_ways": {
        "id": "{file}: tidak ada jalan yang dapat dilalui dengan moda {travel} (ditemukan "
        "{n_highway} way dengan tag highway); pilih ekstrak yang memuat jaringan jalan wilayah ini",
        "en": "{file}: no road usable by {travel} (found {n_highway} ways tagged highway); "
        "choose an extract that contains the road network of this area",
    },
    "roads.missing": {
        "id": "skenario: roads.distance = 'road' memerlukan ekstrak OpenStreetMap; berikan "
        "--roads PATH atau isi roads.extract",
        "en": "scenario: roads.distance = 'road' needs an OpenStreetMap extract; pass --roads "
        "PATH or set roads.extract",
    },
    "roads.travel": {
        "id": "--travel: moda {travel} tidak dikenal; gunakan motor atau walk",
        "en": "--travel: unknown mode {travel}; use motor or walk",
    },
    "roads.outside": {
        "id": "{file}: tidak satu pun titik representatif kelurahan berada dalam {limit} m dari "
        "jalan; ekstrak tidak mencakup wilayah batas {boundaries}",
        "en": "{file}: no kelurahan representative point lies within {limit} m of a road; the "
        "extract does not cover the area of {boundaries}",
    },
    # --- monitoring: targets, previous runs (issue 13) ---------------------------------------
    "monitoring.targets_columns": {
        "id": "{file}: kolom {missing} tidak ada (ditemukan: {found}); file target perlu kolom "
        "wilayah, tahun, indikator, target",
        "en": "{file}: column(s) {missing} missing (found: {found}); a targets file needs the "
        "columns wilayah, tahun, indikator, target",
    },
    "monitoring.unknown_area": {
        "id": "{file}, kolom '{column}', baris {rows}: wilayah tidak dikenal atau ambigu; tulis "
        "salah satu nama (atau kode Kemendagri) ini: {valid}",
        "en": "{file}, column '{column}', row(s) {rows}: unknown or ambiguous wilayah; write one "
        "of these names (or its Kemendagri code): {valid}",
    },
    "monitoring.previous_unreadable": {
        "id": "{file}: hasil rakor sebelumnya tidak dapat dibaca ({detail}); berikan "
        "results.geojson, ranking.xlsx atau ranking.csv dari ibm-geo",
        "en": "{file}: the previous results cannot be read ({detail}); give the results.geojson, "
        "ranking.xlsx or ranking.csv that ibm-geo wrote",
    },
    "monitoring.previous_columns": {
        "id": "{file}: kolom 'kode' dan 'unserved' tidak ada; berikan results.geojson, "
        "ranking.xlsx atau ranking.csv dari ibm-geo",
        "en": "{file}: no 'kode' and 'unserved' columns; give the results.geojson, ranking.xlsx "
        "or ranking.csv that ibm-geo wrote",
    },
    # --- hostile inputs: parse limits, row accounting (issue 21) -----------------------------
    "input.special_file": {
        "id": "{file}: bukan berkas biasa ({kind}); berikan berkas data itu sendiri",
        "en": "{file}: not a regular file ({kind}); give the data file itself",
    },
    "input.parse_memory": {
        "id": "{file}: membaca berkas ini memerlukan lebih dari {limit_mb} MB memori (berkas "
        "yang mengembang, mis. bom kompresi?); naikkan batas dengan {env} bila berkas ini "
        "dapat dipercaya",
        "en": "{file}: reading this file needs more than {limit_mb} MB of memory (a file that "
        "inflates, e.g. a compression bomb?); raise the limit with {env} if you trust the file",
    },
    "input.parse_time": {
        "id": "{file}: membaca berkas ini memakan lebih dari {seconds} detik dan dihentikan; "
        "naikkan batas dengan {env} bila berkasnya memang sebesar itu",
        "en": "{file}: reading this file took more than {seconds} s and was stopped; raise the "
        "limit with {env} if the file really is that large",
    },
    "input.stream_ratio": {
        "id": "{file}: isi terkompresi mengembang {ratio}:1, melebihi batas {limit}:1 (bom "
        "kompresi?); naikkan batas dengan {env} bila berkas ini dapat dipercaya",
        "en": "{file}: the compressed content inflates {ratio}:1, over the limit of {limit}:1 "
        "(compression bomb?); raise it with {env} if you trust the file",
    },
    "input.sheet_extent": {
        "id": "{file}: lembar '{sheet}' membentang sampai sel {cell} ({rows} baris x {cols} "
        "kolom = {cells} sel, batas {limit}); hapus sel nyasar di luar tabel atau naikkan "
        "batas dengan {env}",
        "en": "{file}: sheet '{sheet}' reaches cell {cell} ({rows} rows x {cols} columns = "
        "{cells} cells, limit {limit}); delete the stray cells outside the table or raise the "
        "limit with {env}",
    },
    "input.sheet_too_wide": {
        "id": "{file}: lembar '{sheet}' memiliki sel di kolom {cell} (kolom ke-{col}, batas "
        "{limit}); hapus sel nyasar di luar tabel atau naikkan batas dengan {env}",
        "en": "{file}: sheet '{sheet}' has a cell in column {cell} (column {col}, limit "
        "{limit}); delete the stray cells outside the table or raise the limit with {env}",
    },
    "input.too_many_columns": {
        "id": "{file}, baris {row}: {n} kolom, melebihi batas {limit}; periksa pemisahnya atau "
        "naikkan batas dengan {env}",
        "en": "{file}, row {row}: {n} columns, over the limit of {limit}; check the separator "
        "or raise the limit with {env}",
    },
    "input.encrypted": {
        "id": "{file}: buku kerja dilindungi kata sandi (terenkripsi); buka di Excel, hapus "
        "kata sandinya (File > Info > Protect Workbook) lalu simpan ulang sebagai .xlsx",
        "en": "{file}: the workbook is password-protected (encrypted); open it in Excel, "
        "remove the password (File > Info > Protect Workbook) and save it again as .xlsx",
    },
    "boundaries.no_shx": {
        "id": "{file}: Shapefile '{shp}' tanpa berkas .shx pendampingnya; masukkan .shp, .shx, "
        ".dbf (dan .prj) bersama ke dalam ZIP",
        "en": "{file}: Shapefile '{shp}' has no .shx next to it; put the .shp, .shx, .dbf (and "
        ".prj) together into the ZIP",
    },
    "boundaries.no_names": {
        "id": "{file}: tidak satu pun fitur memiliki nama atau kode desa; isi kolom nama/kode "
        "atau petakan kolomnya",
        "en": "{file}: no feature has a village name or code (neither a name nor a code); fill "
        "the name/kode column or map the column",
    },
    "boundaries.osm_given": {
        "id": "{file}: ini ekstrak OpenStreetMap (jalan), bukan batas wilayah; berikan berkas "
        "poligon kelurahan/desa di --boundaries dan ekstrak ini di --roads",
        "en": "{file}: this is an OpenStreetMap extract (roads), not boundaries; give the "
        "kelurahan/desa polygon file to --boundaries and this extract to --roads",
    },
    "boundaries.no_driver": {
        "id": "{file}: format {fmt} tidak dapat dibaca oleh GDAL di komputer ini (driver {driver} "
        "tidak ada); simpan sebagai GeoJSON atau GeoPackage",
        "en": "{file}: the {fmt} format cannot be read by this computer's GDAL (no {driver} "
        "driver); save it as GeoJSON or GeoPackage",
    },
    "roads.no_locations": {
        "id": "{file}: ekstrak tidak memuat lokasi node ({n_ways} jalan, tidak satu pun node "
        "berkoordinat); ekspor ulang dengan node (mis. osmium extract, bukan hanya way)",
        "en": "{file}: the extract has no node locations ({n_ways} roads, not one node with "
        "coordinates); export it again with its nodes (e.g. osmium extract, not ways only)",
    },
    "monitoring.previous_other_area": {
        "id": "{file}: hasil sebelumnya untuk wilayah lain ({previous}) dan tidak satu pun kode "
        "cocok dengan wilayah proses ini ({current}); berikan hasil rakor wilayah yang sama",
        "en": "{file}: the previous results are of another area ({previous}) and no code "
        "matches this run's area ({current}); give the previous results of the same area",
    },
    "scenario.duplicate_key": {
        "id": "{file}: kunci '{key}' ditulis dua kali; hapus salah satunya",
        "en": "{file}: key '{key}' is written twice; delete one of them",
    },
    "scenario.too_deep": {
        "id": "{file}: skenario bersarang terlalu dalam (lebih dari {limit} tingkat); gunakan "
        "skenario dari `ibm-geo scenario`",
        "en": "{file}: the scenario is nested too deeply (more than {limit} levels); start "
        "from `ibm-geo scenario`",
    },
    "scenario.control_char": {
        "id": "{file}: kunci '{key}' berisi karakter kontrol ({char}); hapus karakter itu",
        "en": "{file}: key '{key}' holds a control character ({char}); delete it",
    },
    "pipeline.filter_empty": {
        "id": "filter skenario ({filters}) tidak menyisakan satu pun klien dari {n} baris; "
        "longgarkan filternya",
        "en": "the scenario's filters ({filters}) leave no client of {n} rows; loosen the filters",
    },
    "plan.no_candidates": {
        "id": "rencana: setiap kelurahan dikecualikan sebagai lokasi kandidat ({why}); "
        "izinkan setidaknya satu kandidat di skenario",
        "en": "plan: every kelurahan is excluded as a candidate site ({why}); allow at least "
        "one candidate in the scenario",
    },
    # --- office: accounts, scope, audit, storage (issue 15) ----------------------------------
    "office.bad_date": {
        "id": "--since/--until: '{value}' bukan tanggal; tulis TTTT-BB-HH, mis. 2026-11-01.",
        "en": "--since/--until: '{value}' is not a date; write YYYY-MM-DD, e.g. 2026-11-01.",
    },
    "office.config": {
        "id": "Pengaturan kantor '{key}' tidak valid: {detail}. Perbaiki di .streamlit/secrets.toml "
        "(tabel [office]) atau variabel lingkungan IBM_GEO_*.",
        "en": "Office setting '{key}' is invalid: {detail}. Fix it in .streamlit/secrets.toml "
        "(table [office]) or the IBM_GEO_* environment variables.",
    },
    "office.db_url": {
        "id": "URL basis data '{url}' tidak dapat dipakai. Tulis misalnya sqlite:///data/office.sqlite "
        "atau postgresql+psycopg://user@host/db di [office] db_url atau IBM_GEO_DB_URL.",
        "en": "Database URL '{url}' cannot be used. Write e.g. sqlite:///data/office.sqlite or "
        "postgresql+psycopg://user@host/db in [office] db_url or IBM_GEO_DB_URL.",
    },
    "office.db_unreachable": {
        "id": "Basis data {url} tidak dapat dihubungi ({detail}). Periksa server, nama pengguna dan "
        "kata sandi di [office] db_url.",
        "en": "Cannot connect to database {url} ({detail}). Check the server, user and password in "
        "[office] db_url.",
    },
    "office.forbidden": {
        "id": "Pengguna {user} (peran {role}) tidak berhak atas '{permission}'. Minta admin BNNP "
        "mengubah peran Anda.",
        "en": "User {user} (role {role}) may not '{permission}'. Ask the BNNP admin to change your "
        "role.",
    },
    "office.bad_role": {
        "id": "Peran '{role}' tidak dikenal; pilih salah satu dari {roles}.",
        "en": "Unknown role '{role}'; use one of {roles}.",
    },
    "office.scope_required": {
        "id": "Peran {role} memerlukan wilayah: beri provinsi (--provinsi) dan, untuk BNNK, "
        "kab/kota (--kab-kota).",
        "en": "Role {role} needs an area: give a province (--provinsi) and, for a BNNK, the "
        "kab/kota (--kab-kota).",
    },
    "office.scope_denied": {
        "id": "Wilayah {areas} ({field}) di luar wilayah Anda ({scope}). Pilih wilayah Anda sendiri "
        "atau minta admin BNNP memperluas wilayah akun.",
        "en": "Area {areas} ({field}) is outside your area ({scope}). Choose your own area or ask "
        "the BNNP admin to widen your account's area.",
    },
    "office.scope_empty": {
        "id": "Data batas wilayah tidak memuat satu pun kelurahan/desa di wilayah Anda ({scope}). "
        "Unggah batas wilayah yang mencakup wilayah Anda.",
        "en": "The boundaries hold no kelurahan/desa in your area ({scope}). Upload boundaries "
        "that cover your area.",
    },
    "office.bad_username": {
        "id": "Nama pengguna '{username}' kosong atau tidak valid; gunakan nama atau e-mail.",
        "en": "User name '{username}' is empty or invalid; use a name or an e-mail address.",
    },
    "office.user_exists": {
        "id": "Pengguna {username} sudah ada; ubah dengan 'ibm-geo users set'.",
        "en": "User {username} already exists; change it with 'ibm-geo users set'.",
    },
    "office.unknown_user": {
        "id": "Pengguna {username} tidak ada; lihat 'ibm-geo users list'.",
        "en": "No user {username}; see 'ibm-geo users list'.",
    },
    "office.weak_password": {
        "id": "Kata sandi terlalu pendek: minimal {n} karakter.",
        "en": "Password too short: at least {n} characters.",
    },
    "office.login_failed": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong user name or password.",
    },
    "office.login_throttled": {
        "id": "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} detik.",
        "en": "Too many failed sign-ins. Try again in {seconds} seconds.",
    },
    "office.setup_token": {
        "id": "Token penyiapan salah atau kedaluwarsa (berlaku {hours} jam). Jalankan "
        "'ibm-geo office init' di server untuk token baru.",
        "en": "Wrong or expired setup token (valid {hours} hours). Run 'ibm-geo office init' on "
        "the server for a new one.",
    },
    "office.setup_done": {
        "id": "Kantor ini sudah memiliki admin; masuk dengan akun admin itu.",
        "en": "This office already has an admin; sign in with that account.",
    },
    "office.setup_weak_password": {
        "id": "Kata sandi admin terlalu lemah: minimal {n} karakter dari tiga jenis (huruf kecil, "
        "huruf besar, angka, simbol) atau kalimat sandi {long} karakter, tanpa nama pengguna.",
        "en": "Admin password too weak: at least {n} characters of three kinds (lower case, upper "
        "case, digits, symbols) or a passphrase of {long} characters, without the user name.",
    },
    "office.audit_format": {
        "id": "Format log '{value}' tidak dikenal; gunakan csv atau jsonl.",
        "en": "Unknown log format '{value}'; use csv or jsonl.",
    },
    "office.bad_name": {
        "id": "Beri nama untuk {kind} yang disimpan.",
        "en": "Give the saved {kind} a name.",
    },
    "office.not_found": {
        "id": "Item ruang kerja {item} tidak ditemukan di wilayah Anda.",
        "en": "Workspace item {item} not found in your area.",
    },
    "office.no_roster_key": {
        "id": "Tidak ada kunci enkripsi daftar klien: tulis [office] roster_keys di secrets "
        "(buat dengan 'ibm-geo office new-key') sebelum menyalakan penyimpanan daftar.",
        "en": "No roster encryption key: set [office] roster_keys in the secrets (make one with "
        "'ibm-geo office new-key') before turning roster storage on.",
    },
    "office.bad_roster_key": {
        "id": "Kunci enkripsi daftar klien tidak valid: {detail}. Periksa [office] roster_keys.",
        "en": "Roster encryption key invalid: {detail}. Check [office] roster_keys.",
    },
    "office.rosters_off": {
        "id": "Penyimpanan daftar klien mati; hanya admin yang dapat menyalakannya.",
        "en": "Storing client rosters is off; only an admin can turn it on.",
    },
    "office.bad_setting": {
        "id": "Pengaturan '{key}' tidak dikenal; yang ada: {keys}.",
        "en": "Unknown setting '{key}'; known: {keys}.",
    },
    "office.bad_setting_value": {
        "id": "Nilai '{value}' tidak valid untuk {key} (store_rosters: true/false; "
        "roster_retention_days: 1-3650).",
        "en": "Value '{value}' is invalid for {key} (store_rosters: true/false; "
        "roster_retention_days: 1-3650).",
    },
    # --- office: the keyed audit log (issue 21) ------------------------------------------------
    "office.audit_key": {
        "id": "Kunci log audit di {where} tidak valid: minimal {n} karakter. Buat dengan "
        "'openssl rand -hex 32' (lihat docs/deploy.md).",
        "en": "The audit log key in {where} is invalid: at least {n} characters. Make one with "
        "'openssl rand -hex 32' (see docs/deploy.md).",
    },
    "office.audit_key_missing": {
        "id": "Kunci log audit {path} tidak ada, padahal log ini ditulis dengan kunci. Pulihkan "
        "berkas itu dari cadangan, atau tunjuk ke sana dengan [office] audit_key_file / "
        "IBM_GEO_AUDIT_KEY_FILE.",
        "en": "The audit log key {path} is missing, but this log was written with a key. Restore "
        "that file from the backup, or point [office] audit_key_file / IBM_GEO_AUDIT_KEY_FILE "
        "at it.",
    },
    "office.audit_key_mode": {
        "id": "Kunci log audit {path} dapat dibaca pengguna lain (mode {mode}); jalankan "
        "'chmod 600 {path}'.",
        "en": "The audit log key {path} is readable by other users (mode {mode}); run "
        "'chmod 600 {path}'.",
    },
    "office.audit_key_mismatch": {
        "id": "Kunci log audit dari {where} (sidik {got}) bukan kunci yang dipakai log ini "
        "(sidik {stored}). Gunakan kunci yang benar (lihat cadangan kunci).",
        "en": "The audit log key from {where} (fingerprint {got}) is not the key this log is "
        "written with (fingerprint {stored}). Use the right key (see the key's backup).",
    },
    "office.checkpoint_file": {
        "id": "{file}: bukan titik periksa log audit yang dapat dibaca ({detail}); berikan berkas "
        "dari 'ibm-geo audit checkpoint'.",
        "en": "{file}: not a readable audit checkpoint ({detail}); give a file written by "
        "'ibm-geo audit checkpoint'.",
    },
}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


class IbmGeoError(Exception):
    """Base class: anything the CLI turns into a one-line reason and exit 2.

    ``code`` selects the message in :data:`MESSAGES`; ``params`` fill it. ``str(err)`` is the
    English line (logs, tests); :meth:`message` gives either language.
    """

    code: str = "input.generic"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        if code is not None:
            self.code = code
        if self.code not in MESSAGES:
            raise KeyError(f"unknown error code {self.code!r}: declare it in ibm_geo.errors")
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "id") -> str:
        """The one-line message in ``lang`` (``id`` or ``en``), parameters filled in."""
        return message(self.code, lang, **self.params)

    def __reduce__(self):
        # pickled by code and parameters: readers run in a child process (ibm_geo.io.guard)
        # and their errors travel back; the default (message as the only argument) would not
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type, state: dict) -> IbmGeoError:
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    Exception.__init__(obj, obj.message("en"))
    return obj


def message(code: str, lang: str = "id", /, **params: Any) -> str:
    """The catalog's text for ``code`` in ``lang``, parameters filled in: also for notes that
    are not failures (a solver's fallback reason), so they are declared here too."""
    tpl = MESSAGES[code].get(lang) or MESSAGES[code]["en"]
    values = {k: _text(v) for k, v in params.items()}
    missing = _fields(tpl) - values.keys()
    values.update(dict.fromkeys(missing, ""))
    return " ".join(tpl.format(**values).split())


def _text(v: Any) -> str:
    if isinstance(v, list | tuple | set):
        return ", ".join(str(x) for x in v)
    return str(v)


class UserError(IbmGeoError):
    """A failure caused by what the user gave: raise ``UserError("code", **params)``."""


class InputError(UserError):
    """An input file or table cannot be used at all (bad rows go to DataQuality instead).

    Kept for the existing call sites ``InputError(table, detail, column)``; new code should raise
    :class:`UserError` with a specific code.
    """

    def __init__(self, table: str, message: str, column: str | None = None) -> None:
        self.table = table
        self.column = column
        where = f", column '{column}'" if column else ""
        super().__init__("input.generic", table=table, where=where, detail=message)
