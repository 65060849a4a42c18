/* built by make station-js */
