from kedro_servecheck.cli import main

main()
